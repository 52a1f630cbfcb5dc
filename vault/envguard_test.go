package vault

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

func TestRefusedEnv(t *testing.T) {
	refused := map[string]string{
		// dynamic loader and C library, by prefix and by name
		"LD_PRELOAD":            changesLoader,
		"LD_LIBRARY_PATH":       changesLoader,
		"DYLD_INSERT_LIBRARIES": changesLoader,
		"GCONV_PATH":            changesLoader,
		"GLIBC_TUNABLES":        changesLoader,
		// where programs and their configuration are found
		"PATH":            changesLookup,
		"SHELL":           changesLookup,
		"HOME":            changesConfig,
		"XDG_CONFIG_HOME": changesConfig,
		// shells
		"BASH_ENV":         changesShell,
		"ENV":              changesShell,
		"PROMPT_COMMAND":   changesShell,
		"PS4":              changesShell,
		"SHELLOPTS":        changesShell,
		"IFS":              changesShell,
		"BASH_FUNC_ls":     changesShell,
		"ZDOTDIR":          changesShell,
		"GIT_SSH_COMMAND":  changesTool,
		"GIT_CONFIG_COUNT": changesTool,
		"GIT_DIR":          changesTool,
		"EDITOR":           changesTool,
		"LESSOPEN":         changesTool,
		"KUBECONFIG":       changesConfig,
		"OPENSSL_CONF":     changesConfig,
		// language runtimes
		"NODE_OPTIONS":            changesRuntime,
		"NPM_CONFIG_USERCONFIG":   changesRuntime,
		"npm_config_script_shell": changesRuntime, // npm reads it in any case
		"PYTHONPATH":              changesRuntime,
		"PYTHONWARNINGS":          changesRuntime,
		"PERL5OPT":                changesRuntime,
		"RUBYOPT":                 changesRuntime,
		"JAVA_TOOL_OPTIONS":       changesRuntime,
		"_JAVA_OPTIONS":           changesRuntime,
		"CORECLR_PROFILER_PATH":   changesRuntime,
		"LUA_INIT_5_4":            changesRuntime,
		// build tools
		"GOFLAGS":       changesBuild,
		"CGO_LDFLAGS":   changesBuild,
		"RUSTC_WRAPPER": changesBuild,
		"MAKEFLAGS":     changesBuild,
		// tresor itself
		"TRESOR_IDENTITY": changesTresor,
		"TRESOR_EXEC":     changesTresor,
		// case does not matter: Windows reads Path as PATH
		"Path":     changesLookup,
		"bash_env": changesShell,
		"Ld_Audit": changesLoader,
	}
	for name, want := range refused {
		if got, ok := refusedEnv(name); !ok || got != want {
			t.Errorf("refusedEnv(%q) = %q, %v; want %q, true", name, got, ok, want)
		}
	}
	for _, name := range []string{
		"DATABASE_URL", "DATABASE_PASSWORD", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN",
		"NPM_TOKEN", "CARGO_REGISTRY_TOKEN", "PIP_EXTRA_INDEX_URL", "HTTPS_PROXY",
		"SSL_CERT_FILE", "TMPDIR", "LANG", "TZ", "MALLOC_ARENA_MAX",
		// near misses: a listed name or prefix inside a longer word
		"LDAP_PASSWORD", "PATHNAME", "HOMEPAGE_URL", "ENVIRONMENT", "SHELLY",
		"PS5", "GITLAB_TOKEN", "CCACHE_DIR", "TRESORERIE", "PYTHON_VERSION", "EDITORS",
	} {
		if got, ok := refusedEnv(name); ok {
			t.Errorf("refusedEnv(%q) = %q, true; want it allowed", name, got)
		}
	}
}

// Every refused name and prefix is in docs/security.md's list, and the
// list names nothing the code lets through, so the two cannot drift apart.
func TestRefusedEnvDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "<!-- refused-env -->")
	end := strings.Index(doc, "<!-- /refused-env -->")
	if start < 0 || end < start {
		t.Fatal("docs/security.md has no <!-- refused-env --> ... <!-- /refused-env --> list")
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Z0-9_]+\\*?)`").FindAllStringSubmatch(doc[start:end], -1) {
		listed[m[1]] = true
	}
	for _, r := range refusedVars {
		if !listed[r.pattern] {
			t.Errorf("docs/security.md does not list %s", r.pattern)
		}
		delete(listed, r.pattern)
	}
	for p := range listed { // examples of a prefix, such as GIT_SSH_COMMAND
		if _, ok := refusedEnv(p); !ok || strings.HasSuffix(p, "*") {
			t.Errorf("docs/security.md lists %s, which the code does not refuse", p)
		}
	}
}

func TestSameVariable(t *testing.T) {
	for _, tc := range []struct {
		a, b EnvClaim
		want string // "" for no clash
		at   int
	}{
		// explicit headers clash under every prefix, so under none
		{EnvClaim{"dev/db", "DB_PASSWORD"}, EnvClaim{"prod/db", "DB_PASSWORD"}, "DB_PASSWORD", -1},
		{EnvClaim{"dev/db", "token"}, EnvClaim{"prod/db", "TOKEN"}, "token", -1},
		{EnvClaim{"dev/db", "DB_PASSWORD"}, EnvClaim{"prod/db", "PROD_DB"}, "", 0},
		// derived names relative to a common prefix clash exactly when the
		// whole names do
		{EnvClaim{"dup/a-b", ""}, EnvClaim{"dup/a.b", ""}, "DUP_A_B", -1},
		{EnvClaim{"dev/db/password", ""}, EnvClaim{"prod/db/password", ""}, "", 0},
		// an explicit header against a derived name under a shared prefix
		{EnvClaim{"app/x", "TOKEN"}, EnvClaim{"app/token", ""}, "TOKEN", 3},
		{EnvClaim{"app/token", ""}, EnvClaim{"app/x", "TOKEN"}, "TOKEN", 3},
		{EnvClaim{"other/x", "TOKEN"}, EnvClaim{"app/token", ""}, "", 0},
		{EnvClaim{"x", "APP_TOKEN"}, EnvClaim{"app/token", ""}, "APP_TOKEN", -1},
		{EnvClaim{"a/b/x", "C"}, EnvClaim{"a/b/c", ""}, "C", 3},
		// a secret named like the prefix keeps its whole name
		{EnvClaim{"prod", ""}, EnvClaim{"prod/prod", ""}, "PROD", 4},
		{EnvClaim{"prod/prod", ""}, EnvClaim{"prod", ""}, "PROD", 4},
		{EnvClaim{"prod", "X"}, EnvClaim{"prod/x", ""}, "X", 4},
		{EnvClaim{"prod", ""}, EnvClaim{"prod/y", ""}, "", 0},
	} {
		got, at, ok := sameVariable(tc.a, tc.b, DeriveEnvName(tc.a.Secret), DeriveEnvName(tc.b.Secret))
		if ok != (tc.want != "") || got != tc.want || ok && at != tc.at {
			t.Errorf("sameVariable(%v, %v) = %q, %d, %v; want %q, %d", tc.a, tc.b, got, at, ok, tc.want, tc.at)
		}
	}
}

// guardVault makes a vault with alice as its admin.
func guardVault(t *testing.T) *Vault {
	t.Helper()
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: mustIdentity(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func allowEnv(t *testing.T, v *Vault, names ...string) {
	t.Helper()
	err := v.changePolicy("allow env", func(p *format.Policy) error {
		p.Settings = &format.Settings{AllowEnv: format.Names(names)}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func journalLength(t *testing.T, v *Vault) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(v.Dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func set(t *testing.T, v *Vault, name, env string) error {
	t.Helper()
	var opts SetOptions
	if env != "" {
		opts.Env = &env
	}
	_, err := v.Set(name, []byte("value of "+name), opts)
	return err
}

func TestSetRefusesEnv(t *testing.T) {
	v := guardVault(t)
	for _, tc := range []struct{ name, env, msg string }{
		{"dev/x", "BASH_ENV", "secret dev/x may not set BASH_ENV: it changes what a shell runs, and the policy does not allow it"},
		{"dev/x", "ld_preload", "secret dev/x may not set ld_preload: it changes what the dynamic loader"},
		{"dev/bash_env", "", "secret dev/bash_env would be exported as BASH_ENV (tresor exec --prefix dev/), which changes what a shell runs"},
		{"app/ld/preload", "", "would be exported as LD_PRELOAD (tresor exec --prefix app/)"},
		{"path", "", "secret path would be exported as PATH (tresor exec without --prefix)"},
	} {
		before := journalLength(t, v)
		err := set(t, v, tc.name, tc.env)
		if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("set %s --env %q: %v; want ErrDenied containing %q", tc.name, tc.env, err, tc.msg)
		}
		if !strings.Contains(HintOf(err), "settings: {allow-env: [") {
			t.Errorf("set %s: hint %q does not say how an admin allows it", tc.name, HintOf(err))
		}
		if journalLength(t, v) != before {
			t.Errorf("set %s --env %q wrote a journal entry", tc.name, tc.env)
		}
		if _, err := os.Stat(filepath.Join(v.Dir, "secrets", tc.name+".secret")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("set %s --env %q left a file: %v", tc.name, tc.env, err)
		}
	}
	// Ordinary names pass, and so does a listed one the policy allows.
	if err := set(t, v, "dev/y", "DATABASE_URL"); err != nil {
		t.Fatal(err)
	}
	allowEnv(t, v, "BASH_ENV")
	if err := set(t, v, "dev/x", "BASH_ENV"); err != nil {
		t.Fatalf("BASH_ENV allowed by the policy: %v", err)
	}
	// The allow-list names exact variables.
	if err := set(t, v, "dev/z", "ENV"); !errors.Is(err, ErrDenied) {
		t.Fatalf("ENV is not allowed: %v", err)
	}
}

func TestSetRefusesSharedVariable(t *testing.T) {
	v := guardVault(t)
	for _, s := range []struct{ name, env string }{
		{"prod/db", "DATABASE_PASSWORD"},
		{"dup/a-b", ""},
		{"app/token", ""},
		{"dev/db/password", ""},
	} {
		if err := set(t, v, s.name, s.env); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, env, msg string }{
		{"dev/db", "DATABASE_PASSWORD", "secret dev/db and the secret prod/db would both be DATABASE_PASSWORD (tresor exec without --prefix)"},
		{"dev/db", "database_password", "would both be database_password"},
		{"dup/a.b", "", "secret dup/a.b and the secret dup/a-b would both be DUP_A_B (tresor exec without --prefix)"},
		{"app/x", "TOKEN", "secret app/x and the secret app/token would both be TOKEN (tresor exec --prefix app/)"},
	} {
		err := set(t, v, tc.name, tc.env)
		if !errors.Is(err, ErrEnvName) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("set %s --env %q: %v; want ErrEnvName containing %q", tc.name, tc.env, err, tc.msg)
		}
	}
	// One variable per environment, chosen by the prefix: fine.
	if err := set(t, v, "prod/db/password", ""); err != nil {
		t.Fatal(err)
	}
	// Writing a secret again keeps its own variable: no clash with itself.
	if err := set(t, v, "prod/db", ""); err != nil {
		t.Fatal(err)
	}
}

func TestMoveRefusesEnv(t *testing.T) {
	v := guardVault(t)
	for _, s := range []struct{ name, env string }{{"app/token", ""}, {"dev/x", "X_TOKEN"}, {"dev/shell-tmp", ""}} {
		if err := set(t, v, s.name, s.env); err != nil {
			t.Fatal(err)
		}
	}
	before := journalLength(t, v)
	// A derived variable changes with the name.
	if _, err := v.Move("dev/shell-tmp", "dev/shell"); !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "exported as SHELL") {
		t.Errorf("mv to dev/shell: %v", err)
	}
	if _, err := v.Move("dev/shell-tmp", "app/token/x"); err != nil {
		t.Errorf("mv to app/token/x (APP_TOKEN_X, TOKEN_X, X): %v", err)
	}
	before++
	// The header moves with the value: X_TOKEN is no other secret's.
	if _, err := v.Move("dev/x", "app/x"); err != nil {
		t.Errorf("mv dev/x app/x (X_TOKEN): %v", err)
	}
	before++
	// Under app/, TOKEN would be app/token's derived name too.
	if err := set(t, v, "app/x", "TOKEN"); !errors.Is(err, ErrEnvName) {
		t.Errorf("set app/x --env TOKEN: %v", err)
	}
	if _, err := v.Move("app/token", "app/x_token"); !errors.Is(err, ErrEnvName) || !strings.Contains(err.Error(), "secret app/x_token and the secret app/x would both be X_TOKEN (tresor exec --prefix app/)") {
		t.Errorf("mv app/token app/x_token, whose X_TOKEN under app/ is app/x's header: %v", err)
	}
	if journalLength(t, v) != before {
		t.Errorf("a refused write changed the journal")
	}
	// Moving a secret onto the derived name it shares with itself is fine.
	if _, err := v.Move("app/token", "app/token2"); err != nil {
		t.Errorf("mv app/token app/token2: %v", err)
	}
}

func TestCheckEnvClaimsBatch(t *testing.T) {
	v := guardVault(t)
	if err := set(t, v, "prod/api_key", ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		claims []EnvClaim
		msg    string
	}{
		{[]EnvClaim{{"dev/a", ""}, {"dev/path", ""}}, "secret dev/path would be exported as PATH"},
		{[]EnvClaim{{"dev/a", "A"}, {"dev/b", "A"}}, "secret dev/b and the secret dev/a would both be A"},
		{[]EnvClaim{{"x", "PROD_API_KEY"}}, "secret x and the secret prod/api_key would both be PROD_API_KEY"},
	} {
		if err := v.CheckEnvClaims(tc.claims); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("CheckEnvClaims(%v) = %v, want %q", tc.claims, err, tc.msg)
		}
	}
	// A secret the batch writes again is judged as the batch has it.
	if err := v.CheckEnvClaims([]EnvClaim{{"prod/api_key", "API"}, {"dev/api_key", ""}}); err != nil {
		t.Errorf("rewriting prod/api_key: %v", err)
	}
}

// writeUnchecked writes a secret as a client without the write-time checks
// would: an old tresor, or a modified one.
func writeUnchecked(t *testing.T, v *Vault, name, env string) {
	t.Helper()
	now := v.timeNow()
	commitAsAlice(t, v, format.SecretHeader{Name: name, Env: env, Version: 1, Created: now, Updated: now})
}

// commitAsAlice seals "value of NAME" under header h and records it as
// alice's set, bypassing the checks Set makes before writing: what a
// modified client, or an older tresor, could have written.
func commitAsAlice(t *testing.T, v *Vault, h format.SecretHeader) {
	t.Helper()
	err := v.withLock(func() error {
		file, err := v.seal(&h, []byte("value of "+h.Name))
		if err != nil {
			return err
		}
		_, err = v.commit("alice", change{
			Entry: format.Entry{Action: format.ActionSet, Target: h.Name, File: crypto.FileHash(file),
				Details: &format.Details{Version: 1, Readers: h.Readers}},
			Files: []fileChange{{Rel: secretPath(h.Name), Data: file}},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEnvironmentRefusesHijack(t *testing.T) {
	v := guardVault(t)
	writeUnchecked(t, v, "prod/db", "DATABASE_PASSWORD")
	writeUnchecked(t, v, "dev/x", "BASH_ENV")
	_, err := v.Environment(Selector{})
	want := "secret dev/x sets BASH_ENV, which changes what a shell runs, and the policy does not allow it (last written by alice)"
	if !errors.Is(err, ErrVerify) || err.Error() != want {
		t.Fatalf("Environment = %v, want ErrVerify %q", err, want)
	}
	if !strings.Contains(HintOf(err), "--prefix") || !strings.Contains(HintOf(err), "allow-env: [BASH_ENV]") {
		t.Errorf("hint %q", HintOf(err))
	}
	// A selection without it runs.
	env, err := v.Environment(Selector{Prefix: "prod/"})
	if err != nil || len(env.Vars) != 1 || env.Vars[0].Name != "DATABASE_PASSWORD" {
		t.Fatalf("--prefix prod/: %+v, %v", env, err)
	}
	// A derived name refused only under a prefix.
	writeUnchecked(t, v, "dev/y/path", "")
	if _, err := v.Environment(Selector{Prefix: "dev/y/"}); !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "secret dev/y/path sets PATH") {
		t.Errorf("--prefix dev/y/: %v", err)
	}
	if _, err := v.Environment(Selector{Prefix: "dev/y/", Only: []string{"prod/**"}}); err != nil {
		t.Errorf("--only selects nothing refused: %v", err)
	}
	// The policy allows it: exported.
	allowEnv(t, v, "BASH_ENV")
	env, err = v.Environment(Selector{Prefix: "dev/x"})
	if err != nil || len(env.Vars) != 1 || env.Vars[0].Name != "BASH_ENV" {
		t.Fatalf("allowed: %+v, %v", env, err)
	}
}

func TestEnvironmentNamesCollidingWriters(t *testing.T) {
	v := guardVault(t)
	writeUnchecked(t, v, "dev/token", "TOKEN")
	writeUnchecked(t, v, "prod/token", "token")
	_, err := v.Environment(Selector{})
	want := "secrets dev/token and prod/token both map to TOKEN and token, one variable where names ignore case (Windows) (last written by alice and alice)"
	if !errors.Is(err, ErrEnvName) || err.Error() != want {
		t.Fatalf("Environment = %v, want %q", err, want)
	}
	if _, err := v.Environment(Selector{Prefix: "prod/"}); err != nil {
		t.Fatalf("--prefix prod/: %v", err)
	}
}

// sameVariable agrees with exec itself: two secrets clash exactly when some
// --prefix that selects both gives them one variable by envNameFor, the
// function Environment uses.
func TestSameVariableMatchesExec(t *testing.T) {
	var claims []EnvClaim
	for _, name := range []string{"a", "a/b", "a/b/c", "a/b-c", "a.b/c", "a/c", "b", "b/a/b", "a/a", "x/a/b", "a/b/a/b"} {
		claims = append(claims, EnvClaim{name, ""})
	}
	claims = append(claims, []EnvClaim{{"a/x", "B"}, {"x/y", "A_B"}, {"a/b/z", "c"}, {"q", "A"}, {"a", "B_C"}}...)
	for _, a := range claims {
		for _, b := range claims {
			if a.Secret == b.Secret {
				continue
			}
			want := ""
			prefixes := []string{"", a.Secret}
			for i := range a.Secret {
				if a.Secret[i] == '/' {
					prefixes = append(prefixes, a.Secret[:i])
				}
			}
			for _, p := range prefixes {
				if !format.HasPrefix(a.Secret, p) || !format.HasPrefix(b.Secret, p) {
					continue
				}
				va := envNameFor(format.SecretHeader{Name: a.Secret, Env: a.Env}, p)
				vb := envNameFor(format.SecretHeader{Name: b.Secret, Env: b.Env}, p)
				if strings.EqualFold(va, vb) {
					want = va
					break
				}
			}
			got, _, ok := sameVariable(a, b, DeriveEnvName(a.Secret), DeriveEnvName(b.Secret))
			if ok != (want != "") || ok && !strings.EqualFold(got, want) {
				t.Errorf("sameVariable(%v, %v) = %q, %v; exec gives them %q", a, b, got, ok, want)
			}
		}
	}
}
