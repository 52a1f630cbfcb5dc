package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Custom testscript commands for the PostgreSQL rotator scenario
// (testdata/script/rotation_postgres.txtar): a throwaway server per script,
// in a temp directory, listening on 127.0.0.1 only (its unix socket in the
// temp directory too), password (scram-sha-256) authentication everywhere.
//
//	[!postgres] skip     the condition; outside CI a missing server skips
//	pg start             initdb (the first time) and start; sets $PGTEST_PORT
//	                     and $PGTEST_PSQL (the psql beside the server)
//	pg stop              stop it (pg start starts it again, same port)
//	pg sql 'SQL' [VAR=FILE...]
//	                     run SQL as the server's superuser; each VAR is a
//	                     psql variable holding FILE's bytes (:'VAR' quotes it)
//	pg login ROLE FILE   log in over TCP as ROLE with the password that is
//	                     FILE's exact bytes (a value from tresor get > FILE);
//	                     `! pg login` passes only when the server refuses
//	                     the password (not when it is down)
//
// Passwords reach psql in its environment, never in argv.

// pgSuperuser is the superuser initdb creates (not the OS user's name, so
// that root and a developer get the same cluster).
const pgSuperuser = "tresor_super"

// pgTools finds initdb, pg_ctl, postgres and psql: TRESOR_TEST_PGBIN, else
// the newest /usr/lib/postgresql/<version>/bin (Debian keeps the server off
// PATH), else PATH.
var pgTools = sync.OnceValues(func() (map[string]string, error) {
	return findPGTools(os.Getenv("TRESOR_TEST_PGBIN"), "/usr/lib/postgresql/*/bin", exec.LookPath)
})

func findPGTools(binDir, debianGlob string, lookPath func(string) (string, error)) (map[string]string, error) {
	var dirs []string
	if binDir != "" {
		dirs = append(dirs, binDir)
	}
	found, _ := filepath.Glob(debianGlob)
	slices.SortFunc(found, func(a, b string) int { return pgVersionOf(b) - pgVersionOf(a) })
	dirs = append(dirs, found...)
	tools := map[string]string{}
	var missing []string
	for _, name := range []string{"initdb", "pg_ctl", "postgres", "psql"} {
		for _, d := range dirs {
			if p := filepath.Join(d, name); isExecutable(p) {
				tools[name] = p
				break
			}
		}
		if tools[name] == "" {
			if p, err := lookPath(name); err == nil {
				tools[name] = p
			} else {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("PostgreSQL %s not found in /usr/lib/postgresql/*/bin or PATH (Debian: apt-get install postgresql, which ./scripts/test does; or set TRESOR_TEST_PGBIN)", strings.Join(missing, ", "))
	}
	return tools, nil
}

func pgVersionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// postgresCondition is [postgres]: the server binaries are here. Without
// them the scenario skips on a developer's machine, but in CI (CI set, as
// every CI service does) it fails: a gate that silently skips is no gate.
func postgresCondition() (bool, error) {
	_, err := pgTools()
	return postgresPresent(err, os.Getenv("CI"))
}

func postgresPresent(toolsErr error, ci string) (bool, error) {
	if err := toolsErr; err != nil {
		if ci != "" && ci != "false" && ci != "0" {
			return false, fmt.Errorf("CI=%s and %v", ci, err)
		}
		return false, nil
	}
	return true, nil
}

// pgServer is one script's server.
type pgServer struct {
	tools   map[string]string
	dir     string // temp dir: data/, socket, log, superuser password
	port    int
	running bool
	owner   *user.User // the unprivileged user the server runs as under root, else nil
}

var (
	pgServersMu sync.Mutex
	pgServers   = map[*testscript.TestScript]*pgServer{}
)

func cmdPG(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: pg start|stop|sql SQL [VAR=FILE...]|login ROLE FILE")
	}
	if neg && args[0] != "login" {
		ts.Fatalf("pg %s does not take !", args[0])
	}
	pgServersMu.Lock()
	srv := pgServers[ts]
	pgServersMu.Unlock()
	if srv == nil && args[0] != "start" {
		ts.Fatalf("pg %s: no server (pg start first)", args[0])
	}
	switch {
	case args[0] == "start" && len(args) == 1:
		if srv == nil {
			srv = newPGServer(ts)
		}
		srv.start(ts)
	case args[0] == "stop" && len(args) == 1:
		srv.stop(ts, "fast")
	case args[0] == "sql" && len(args) >= 2:
		pw, err := os.ReadFile(filepath.Join(srv.dir, "superuser.pw"))
		ts.Check(err)
		vars := map[string]string{}
		for _, a := range args[2:] {
			name, file, ok := strings.Cut(a, "=")
			if !ok || name == "" {
				ts.Fatalf("pg sql: %q is not VAR=FILE", a)
			}
			vars[name] = ts.ReadFile(file)
		}
		out, err := srv.psql(pgSuperuser, string(pw), args[1], vars)
		if err != nil {
			ts.Fatalf("pg sql: %v\n%s", err, out)
		}
		ts.Logf("%s", out)
	case args[0] == "login" && len(args) == 3:
		pw := ts.ReadFile(args[2])
		out, err := srv.psql(args[1], pw, "SELECT current_user;", nil)
		switch {
		case err == nil && neg:
			ts.Fatalf("%s logged in with the password in %s", args[1], args[2])
		case err == nil:
			if !bytes.Contains(out, []byte(args[1])) {
				ts.Fatalf("logged in, but not as %s: %s", args[1], out)
			}
		case neg && bytes.Contains(out, []byte("password authentication failed")):
			ts.Logf("refused, as expected: %s", bytes.TrimSpace(out))
		default:
			ts.Fatalf("pg login %s: %v\n%s", args[1], err, out)
		}
	default:
		ts.Fatalf("usage: pg start|stop|sql SQL [VAR=FILE...]|login ROLE FILE")
	}
}

// newPGServer makes the temp dir and the cluster, and arranges for the
// server to stop and the dir to go at the end of the script.
func newPGServer(ts *testscript.TestScript) *pgServer {
	tools, err := pgTools()
	if err != nil {
		ts.Fatalf("%v", err)
	}
	srv := &pgServer{tools: tools}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root; Debian's package makes this user.
		if srv.owner, err = user.Lookup("postgres"); err != nil {
			ts.Fatalf("running as root, and there is no postgres user to run the server as: %v", err)
		}
	}
	srv.dir, err = os.MkdirTemp("", "tresor-pg-")
	ts.Check(err)
	pgServersMu.Lock()
	pgServers[ts] = srv
	pgServersMu.Unlock()
	ts.Defer(func() {
		if srv.running {
			srv.stop(nil, "immediate")
		}
		os.RemoveAll(srv.dir)
		pgServersMu.Lock()
		delete(pgServers, ts)
		pgServersMu.Unlock()
	})

	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	var pw [16]byte
	rand.Read(pw[:])
	pwFile := filepath.Join(srv.dir, "superuser.pw")
	ts.Check(os.WriteFile(pwFile, []byte(hex.EncodeToString(pw[:])), 0o600))
	ts.Check(srv.chown(srv.dir, pwFile))
	data := filepath.Join(srv.dir, "data")
	if out, err := srv.asOwner("initdb", "-D", data, "-U", pgSuperuser, "--pwfile", pwFile,
		"--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--no-locale", "-E", "UTF8",
		"--no-sync", "--no-instructions").CombinedOutput(); err != nil {
		ts.Fatalf("initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf("\n# tresor test server\nlisten_addresses = '127.0.0.1'\nport = %d\n"+
		"unix_socket_directories = '%s'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"+
		"shared_buffers = 16MB\nmax_connections = 20\npassword_encryption = 'scram-sha-256'\n", srv.port, srv.dir)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	ts.Check(err)
	_, err = f.WriteString(conf)
	ts.Check(errors.Join(err, f.Close()))
	return srv
}

func (srv *pgServer) start(ts *testscript.TestScript) {
	if srv.running {
		ts.Fatalf("pg start: already running")
	}
	out, err := srv.asOwner("pg_ctl", "-D", filepath.Join(srv.dir, "data"), "-l", filepath.Join(srv.dir, "server.log"),
		"-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(srv.dir, "server.log"))
		ts.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	srv.running = true
	ts.Setenv("PGTEST_PORT", strconv.Itoa(srv.port))
	ts.Setenv("PGTEST_PSQL", srv.tools["psql"])
	ts.Logf("postgres listening on 127.0.0.1:%d", srv.port)
}

// stop stops the server; ts is nil in the deferred cleanup, where a
// failure can only be logged.
func (srv *pgServer) stop(ts *testscript.TestScript, mode string) {
	out, err := srv.asOwner("pg_ctl", "-D", filepath.Join(srv.dir, "data"), "-m", mode, "-w", "-t", "60", "stop").CombinedOutput()
	switch {
	case err != nil && ts != nil:
		ts.Fatalf("pg_ctl stop: %v\n%s", err, out)
	case err != nil:
		fmt.Fprintf(os.Stderr, "pg_ctl stop: %v\n%s", err, out)
	}
	srv.running = false
}

// psql runs sql as role over TCP, with the password and the variables'
// values in the environment (psql's \getenv reads them into variables).
func (srv *pgServer) psql(role, password, sql string, vars map[string]string) ([]byte, error) {
	cmd := exec.Command(srv.tools["psql"], "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(srv.port), "-U", role, "-d", "postgres", "-f", "-")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGPASSFILE="+os.DevNull, "PGCONNECT_TIMEOUT=10",
		"PGSSLMODE=disable", "PGAPPNAME=tresor-test")
	var script strings.Builder
	for name, value := range vars {
		fmt.Fprintf(&script, "\\getenv %s PGTEST_VAR_%s\n", name, name)
		cmd.Env = append(cmd.Env, "PGTEST_VAR_"+name+"="+value)
	}
	script.WriteString(sql + "\n")
	cmd.Stdin = strings.NewReader(script.String())
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

// asOwner runs a server program as the user the server runs as.
func (srv *pgServer) asOwner(tool string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if srv.owner != nil {
		cmd = exec.Command("runuser", append([]string{"-u", srv.owner.Username, "--", srv.tools[tool]}, args...)...)
	} else {
		cmd = exec.Command(srv.tools[tool], args...)
	}
	cmd.Dir = srv.dir // the server's user may not enter the script's work dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// pg_ctl start leaves the server running; it must not hold our pipes.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (srv *pgServer) chown(paths ...string) error {
	if srv.owner == nil {
		return nil
	}
	uid, _ := strconv.Atoi(srv.owner.Uid)
	gid, _ := strconv.Atoi(srv.owner.Gid)
	for _, p := range paths {
		if err := os.Chown(p, uid, gid); err != nil {
			return err
		}
	}
	return nil
}
