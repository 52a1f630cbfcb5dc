package vault

import (
	"errors"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// What a secret may not do to the environment of `tresor exec`.
//
// exec hands its command every selected secret as a variable, and whoever
// wrote a secret chose that variable: by its env header, or by its name
// (the derived name). A member who may write only dev/** must not be able
// to take over a prod reader's `tresor exec -- bash -c ...`, which holds
// every prod value in its environment. So no secret may set a variable that
// decides what code runs. The rule, for adding names here:
//
//	A variable is refused when a program (the command itself, a shell, the
//	dynamic loader, a language runtime, or a tool commands commonly start:
//	git, ssh, an editor, a pager, a compiler, tresor) reads it to choose a
//	program, library, module, script or plugin to run or load; a directory
//	searched for them; options that can add one; or a configuration file or
//	directory that can name one.
//
// Variables that only change where data goes (proxies, resolvers, CA
// bundles, a database URL) or how a program behaves (MALLOC_*, TMPDIR,
// locales, TLS verification switches) are not refused: every writer already
// influences the command through the values it exports, which is why
// production runs `exec --prefix prod/` (docs/security.md, "exec trust
// model", where this list is also printed).
//
// Names match without regard to case: Windows treats variable names so (a
// secret exported as Path replaces PATH there), and npm reads npm_config_*
// in any case. An admin allows one exact name with `settings: {allow-env:
// [NAME]}` in the policy (format.Policy.EnvAllowed).

// A refusedVar is an upper-case variable name, or with a trailing '*' a
// prefix of names, and what setting it changes.
type refusedVar struct {
	pattern string
	changes string
}

const (
	changesLoader  = "changes what the dynamic loader or the C library loads"
	changesLookup  = "changes which programs run"
	changesConfig  = "changes which configuration files programs read"
	changesShell   = "changes what a shell runs"
	changesTool    = "names a command that a tool runs"
	changesRuntime = "changes what a language runtime loads"
	changesBuild   = "changes what a build tool runs"
	changesTresor  = "configures tresor itself"
)

// refusedVars is the list. docs/security.md prints it; a test keeps the two
// the same.
var refusedVars = []refusedVar{
	// The dynamic loader (glibc, musl, macOS, AIX, HP-UX, IRIX) and what
	// the C library loads by path.
	{"LD_*", changesLoader},
	{"DYLD_*", changesLoader},
	{"_RLD*", changesLoader},
	{"LDR_*", changesLoader},
	{"LIBPATH", changesLoader},
	{"SHLIB_PATH", changesLoader},
	{"GLIBC_TUNABLES", changesLoader},
	{"GCONV_PATH", changesLoader},
	{"LOCPATH", changesLoader},
	{"NLSPATH", changesLoader},
	{"PATH_LOCALE", changesLoader},

	// Where programs are found, and where their configuration is.
	{"PATH", changesLookup},
	{"PATHEXT", changesLookup},
	{"COMSPEC", changesLookup},
	{"SHELL", changesLookup},
	{"HOME", changesConfig},
	{"XDG_CONFIG_HOME", changesConfig},
	{"XDG_CONFIG_DIRS", changesConfig},

	// Shells: start-up files, exported functions, prompts and traces that
	// expand $(...), options, word splitting and lookup paths.
	{"BASH_ENV", changesShell},
	{"ENV", changesShell},
	{"BASH_FUNC_*", changesShell},
	{"SHELLOPTS", changesShell},
	{"BASHOPTS", changesShell},
	{"BASH_LOADABLES_PATH", changesShell},
	{"PROMPT_COMMAND", changesShell},
	{"PS0", changesShell},
	{"PS1", changesShell},
	{"PS2", changesShell},
	{"PS4", changesShell},
	{"IFS", changesShell},
	{"CDPATH", changesShell},
	{"GLOBIGNORE", changesShell},
	{"FPATH", changesShell},
	{"ZDOTDIR", changesShell},
	{"NULLCMD", changesShell},
	{"READNULLCMD", changesShell},
	{"PSMODULEPATH", changesShell},

	// Commands that tools run: git's whole namespace (GIT_SSH_COMMAND,
	// GIT_EXEC_PATH, GIT_CONFIG_*, GIT_DIR with its hooks, GIT_ASKPASS, ...),
	// editors, pagers, browsers, password prompts.
	{"GIT_*", changesTool},
	{"EDITOR", changesTool},
	{"VISUAL", changesTool},
	{"PAGER", changesTool},
	{"MANPAGER", changesTool},
	{"LESSOPEN", changesTool},
	{"LESSCLOSE", changesTool},
	{"BROWSER", changesTool},
	{"SSH_ASKPASS", changesTool},
	{"SUDO_ASKPASS", changesTool},

	// Configuration files that can name a command or a plugin to load:
	// OpenSSL engines, Kerberos plugins, kubeconfig exec credentials, AWS
	// credential_process, gpg's agent-program, Terraform provider overrides.
	{"OPENSSL_CONF", changesConfig},
	{"OPENSSL_ENGINES", changesConfig},
	{"OPENSSL_MODULES", changesConfig},
	{"KRB5_CONFIG*", changesConfig},
	{"KUBECONFIG", changesConfig},
	{"AWS_CONFIG_FILE", changesConfig},
	{"GNUPGHOME", changesConfig},
	{"TF_CLI_CONFIG_FILE", changesConfig},
	{"TERRAFORM_CONFIG", changesConfig},

	// Language runtimes: options, module paths, start-up files, agents and
	// profilers.
	{"NODE_OPTIONS", changesRuntime},
	{"NODE_PATH", changesRuntime},
	{"NODE_REPL_EXTERNAL_MODULE", changesRuntime},
	{"NPM_CONFIG_*", changesRuntime},
	{"PYTHONPATH", changesRuntime},
	{"PYTHONHOME", changesRuntime},
	{"PYTHONSTARTUP", changesRuntime},
	{"PYTHONINSPECT", changesRuntime},
	{"PYTHONUSERBASE", changesRuntime},
	{"PYTHONBREAKPOINT", changesRuntime},
	{"PYTHONWARNINGS", changesRuntime}, // a filter's category is imported by module name
	{"PYTHONEXECUTABLE", changesRuntime},
	{"PYTHONPLATLIBDIR", changesRuntime},
	{"PYTHONPYCACHEPREFIX", changesRuntime},
	{"PERL5OPT", changesRuntime},
	{"PERL5LIB", changesRuntime},
	{"PERLLIB", changesRuntime},
	{"PERL5DB", changesRuntime},
	{"RUBYOPT", changesRuntime},
	{"RUBYLIB", changesRuntime},
	{"GEM_HOME", changesRuntime},
	{"GEM_PATH", changesRuntime},
	{"BUNDLE_GEMFILE", changesRuntime},
	{"JAVA_TOOL_OPTIONS", changesRuntime},
	{"_JAVA_OPTIONS", changesRuntime},
	{"JDK_JAVA_OPTIONS", changesRuntime},
	{"JAVA_OPTS", changesRuntime},
	{"JAVA_HOME", changesRuntime},
	{"CLASSPATH", changesRuntime},
	{"MAVEN_OPTS", changesRuntime},
	{"GRADLE_OPTS", changesRuntime},
	{"GRADLE_USER_HOME", changesRuntime},
	{"DOTNET_STARTUP_HOOKS", changesRuntime},
	{"DOTNET_ADDITIONAL_DEPS", changesRuntime},
	{"COR_ENABLE_PROFILING", changesRuntime},
	{"COR_PROFILER*", changesRuntime},
	{"CORECLR_ENABLE_PROFILING", changesRuntime},
	{"CORECLR_PROFILER*", changesRuntime},
	{"PHPRC", changesRuntime},
	{"PHP_INI_SCAN_DIR", changesRuntime},
	{"LUA_INIT*", changesRuntime},
	{"LUA_PATH*", changesRuntime},
	{"LUA_CPATH*", changesRuntime},
	{"ERL_FLAGS", changesRuntime},
	{"ERL_AFLAGS", changesRuntime},
	{"ERL_ZFLAGS", changesRuntime},
	{"ERL_LIBS", changesRuntime},
	{"ELIXIR_ERL_OPTIONS", changesRuntime},
	{"R_PROFILE*", changesRuntime},
	{"R_ENVIRON*", changesRuntime},
	{"R_LIBS*", changesRuntime},
	{"TCLLIBPATH", changesRuntime},

	// Build tools the command may start.
	{"GOFLAGS", changesBuild},
	{"GOENV", changesBuild},
	{"GOROOT", changesBuild},
	{"GOTOOLCHAIN", changesBuild},
	{"CGO_*", changesBuild},
	{"CC", changesBuild},
	{"CXX", changesBuild},
	{"MAKEFLAGS", changesBuild},
	{"MFLAGS", changesBuild},
	{"MAKEFILES", changesBuild},
	{"RUSTC", changesBuild},
	{"RUSTC_WRAPPER", changesBuild},
	{"RUSTC_WORKSPACE_WRAPPER", changesBuild},
	{"RUSTDOC", changesBuild},
	{"RUSTFLAGS", changesBuild},
	{"RUSTDOCFLAGS", changesBuild},
	{"CARGO_HOME", changesBuild},
	{"CARGO_BUILD_*", changesBuild},
	{"CARGO_TARGET_*", changesBuild},

	// tresor's own variables: which vault and identity a tresor inside the
	// command uses, and the nesting marker.
	{"TRESOR_*", changesTresor},
}

var refusedExact, refusedPrefixes = splitRefused(refusedVars)

func splitRefused(list []refusedVar) (map[string]refusedVar, []refusedVar) {
	exact := map[string]refusedVar{}
	var prefixes []refusedVar
	for _, r := range list {
		if p, ok := strings.CutSuffix(r.pattern, "*"); ok {
			prefixes = append(prefixes, refusedVar{p, r.changes})
		} else {
			exact[r.pattern] = r
		}
	}
	return exact, prefixes
}

// refusedEnv reports whether name is on the list, and what it changes.
func refusedEnv(name string) (changes string, refused bool) {
	up := strings.ToUpper(name)
	if r, ok := refusedExact[up]; ok {
		return r.changes, true
	}
	for _, r := range refusedPrefixes {
		if strings.HasPrefix(up, r.pattern) {
			return r.changes, true
		}
	}
	return "", false
}

// allowEnvHint tells how an admin allows a refused name.
func allowEnvHint(variable string) string {
	return "an admin allows it with settings: {allow-env: [" + variable + "]} in the policy (tresor policy show > p.yaml, edit, tresor policy apply p.yaml)"
}

// An EnvClaim is a secret as exec and env see it: its name, and its env
// header ("" when its variable is derived from the name).
type EnvClaim struct {
	Secret string
	Env    string
}

// variables lists the variables a claim becomes under the --prefix values
// that select it: its env header, or its derived name relative to no
// prefix and to each directory it lies in.
func (c EnvClaim) variables() []string {
	if c.Env != "" {
		return []string{c.Env}
	}
	d := DeriveEnvName(c.Secret)
	vars := []string{d}
	for i := 0; i < len(c.Secret); i++ {
		if c.Secret[i] == '/' {
			vars = append(vars, d[i+1:])
		}
	}
	return vars
}

// variableUnder is the variable of c under the --prefix of length l (-1 for
// none, len(c.Secret) for the secret's own name), with
// DeriveEnvName(c.Secret) precomputed as derived.
func (c EnvClaim) variableUnder(l int, derived string) string {
	switch {
	case c.Env != "":
		return c.Env
	case l < 0 || l >= len(c.Secret):
		return derived
	default:
		return derived[l+1:]
	}
}

// selectionName says how exec selects a name with prefix length l.
func selectionName(secret string, l int) string {
	if l < 0 {
		return "tresor exec without --prefix"
	}
	return "tresor exec --prefix " + secret[:l] + "/"
}

// sameVariable returns the variable two different secrets share under some
// selection that exec and env can make (a prefix that selects both), and
// that selection's prefix length, or ok false. Variable names compare
// without regard to case, as Windows does.
func sameVariable(a, b EnvClaim, da, db string) (variable string, l int, ok bool) {
	eq := func(l int) bool { return strings.EqualFold(a.variableUnder(l, da), b.variableUnder(l, db)) }
	if eq(-1) {
		return a.variableUnder(-1, da), -1, true
	}
	if a.Env != "" && b.Env != "" {
		return "", 0, false // the same under every selection
	}
	// Every directory both lie under.
	for i := 0; i < len(a.Secret) && i < len(b.Secret) && a.Secret[i] == b.Secret[i]; i++ {
		if a.Secret[i] == '/' && eq(i) {
			return a.variableUnder(i, da), i, true
		}
	}
	// One secret's name as the prefix, selecting itself and the other.
	if l := len(a.Secret); under(b.Secret, a.Secret) && eq(l) {
		return a.variableUnder(l, da), l, true
	}
	if l := len(b.Secret); under(a.Secret, b.Secret) && eq(l) {
		return a.variableUnder(l, da), l, true
	}
	return "", 0, false
}

// under reports whether name lies under the directory dir.
func under(name, dir string) bool {
	return len(name) > len(dir) && name[len(dir)] == '/' && strings.HasPrefix(name, dir)
}

// CheckEnvClaims checks, before a batch of writes, each secret's variable
// as checkEnvClaim does, and that no two of the batch share a variable.
// Secrets the batch writes again are checked as the batch has them.
func (v *Vault) CheckEnvClaims(claims []EnvClaim) error {
	st, err := v.verifiedForRead()
	if err != nil {
		return err
	}
	existing, err := v.envClaims(st)
	if err != nil {
		return err
	}
	batch := map[string]bool{}
	for _, c := range claims {
		batch[c.Secret] = true
	}
	var others []EnvClaim
	for _, e := range existing {
		if !batch[e.Secret] {
			others = append(others, e)
		}
	}
	for i, c := range claims {
		if err := v.checkEnvClaimAgainst(c, others, claims[:i]); err != nil {
			return err
		}
	}
	return nil
}

// checkEnvClaim refuses to write a secret (c) whose variable, under any
// --prefix exec and env accept, is on the refused list and not allowed by
// the policy, or is the variable of another secret under a prefix that
// selects both. replaced names a secret the write removes (mv's source),
// which does not count. The caller holds the lock.
func (v *Vault) checkEnvClaim(c EnvClaim, st *verifiedState, replaced string) error {
	existing, err := v.envClaims(st)
	if err != nil {
		return err
	}
	others := slices.DeleteFunc(existing, func(e EnvClaim) bool { return e.Secret == c.Secret || e.Secret == replaced })
	return v.checkEnvClaimAgainst(c, others, nil)
}

func (v *Vault) checkEnvClaimAgainst(c EnvClaim, existing, batch []EnvClaim) error {
	for _, variable := range c.variables() {
		changes, refused := refusedEnv(variable)
		if !refused || v.Policy.EnvAllowed(variable) {
			continue
		}
		if c.Env != "" {
			return problemf(ErrDenied, allowEnvHint(variable),
				"secret %s may not set %s: it %s, and the policy does not allow it", c.Secret, variable, changes)
		}
		return problemf(ErrDenied, "give the secret a variable with --env NAME, or another name; "+allowEnvHint(variable),
			"secret %s would be exported as %s (%s), which %s, and the policy does not allow it",
			c.Secret, variable, selectionName(c.Secret, len(c.Secret)-len(variable)-1), changes)
	}
	dc := DeriveEnvName(c.Secret)
	// The first clash by name, so that the error is the same every time.
	var clash EnvClaim
	var clashVar string
	var clashAt int
	for _, group := range [][]EnvClaim{existing, batch} {
		for _, o := range group {
			if clashVar != "" && o.Secret > clash.Secret {
				continue
			}
			if variable, l, ok := sameVariable(c, o, dc, DeriveEnvName(o.Secret)); ok {
				clash, clashVar, clashAt = o, variable, l
			}
		}
	}
	if clashVar == "" {
		return nil
	}
	return problemf(ErrEnvName, "give one of them another variable with --env NAME, or another name",
		"secret %s and the secret %s would both be %s (%s)", c.Secret, clash.Secret, clashVar, selectionName(c.Secret, clashAt))
}

// envHeaders remembers the env header of secret files by the hash of the
// whole file, which determines it. Every write checks its variable against
// every other secret's, and an import of thousands of secrets would
// otherwise read every file once per secret.
var envHeaders = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// envClaims returns every secret the verified journal records, with the
// env header of its file (files that are missing or do not parse count as
// having none: verify and reads report them).
func (v *Vault) envClaims(st *verifiedState) ([]EnvClaim, error) {
	names := slices.Collect(maps.Keys(st.secrets))
	for _, c := range st.conflicts {
		if _, ok := st.secrets[c]; !ok {
			names = append(names, c)
		}
	}
	out := make([]EnvClaim, 0, len(names))
	var files *secretReader
	defer func() {
		if files != nil {
			files.close()
		}
	}()
	var buf []byte
	envHeaders.Lock()
	defer envHeaders.Unlock()
	for _, name := range names {
		want, recorded := st.secrets[name]
		if env, ok := envHeaders.m[want]; ok && recorded {
			out = append(out, EnvClaim{name, env})
			continue
		}
		if files == nil {
			files = v.newSecretReader()
		}
		b, err := files.read(secretPath(name), &buf)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		sf, err := format.ParseSecret(b)
		if err != nil || sf.Header.Name != name {
			continue
		}
		if recorded && crypto.FileHash(b) == want {
			if len(envHeaders.m) > 1<<17 {
				clear(envHeaders.m)
			}
			envHeaders.m[want] = sf.Header.Env
		}
		out = append(out, EnvClaim{name, sf.Header.Env})
	}
	return out, nil
}

// checkExported refuses, before exec or env hands out anything, a selected
// secret whose variable is refused and not allowed by the policy (exit 3:
// the vault carries it from before this rule, or from a modified client,
// and whoever wrote it may be the attacker), a variable that is not an
// identifier, and two secrets with one variable. Errors name the secrets,
// their variables and who wrote each last, never a value.
func (v *Vault) checkExported(vars []EnvVar) error {
	for _, ev := range vars {
		changes, refused := refusedEnv(ev.Name)
		if !refused || v.Policy.EnvAllowed(ev.Name) {
			continue
		}
		return problemf(ErrVerify, "select only what the command needs with --prefix or --only; if the name is meant, "+allowEnvHint(ev.Name),
			"secret %s sets %s, which %s, and the policy does not allow it (last written by %s)", ev.Secret, ev.Name, changes, v.lastWriter(ev.Secret))
	}
	seen := map[string]EnvVar{}
	for _, ev := range vars {
		if !format.ValidEnvName(ev.Name) {
			return problemf(ErrEnvName, "give it a variable name: tresor set "+ev.Secret+" --env NAME (value on stdin)",
				"secret %s maps to %q, which is not a valid environment variable name", ev.Secret, ev.Name)
		}
		folded := strings.ToUpper(ev.Name)
		if other, ok := seen[folded]; ok {
			names := other.Name
			if other.Name != ev.Name {
				names = other.Name + " and " + ev.Name + ", one variable where names ignore case (Windows)"
			}
			return problemf(ErrEnvName, "give one of them another variable name with tresor set NAME --env VAR, or narrow the selection",
				"secrets %s and %s both map to %s (last written by %s and %s)", other.Secret, ev.Secret, names, v.lastWriter(other.Secret), v.lastWriter(ev.Secret))
		}
		seen[folded] = ev
	}
	return nil
}

// lastWriter names the actor of the latest journal entry that wrote the
// secret, for errors about what it says.
func (v *Vault) lastWriter(secret string) string {
	entries, err := v.Log(secret, time.Time{})
	if err != nil || len(entries) == 0 {
		return "an unknown member"
	}
	return entries[len(entries)-1].Actor
}
