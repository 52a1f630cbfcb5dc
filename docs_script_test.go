package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"gopkg.in/yaml.v3"
)

// The README's tour and docs/ci.md are run as they are written: each code
// block marked <!-- doctest: NAME --> is copied out of the Markdown and run
// by bash (or, for the CI YAML, its tresor commands are), in the order and
// as the person the documents describe, with real git and a shared remote.
// The harness only adds what the documents leave to the reader: the
// repository, the programs the examples start, moving a card or a key from
// one person (or the CI secret store) to another, and the edit of the
// policy draft, which takes the rules block of docs/ci.md as it is.

// docBlock is one marked code block.
type docBlock struct {
	name, lang, body string
}

var docBlockRE = regexp.MustCompile("(?m)^<!-- doctest: ([^>]+?) -->\n```([a-z]*)\n((?s:.*?))^```$")

// docBlocks returns the marked blocks of a Markdown file by name, and
// checks that every sh block of the file is marked (run, or skipped on
// purpose), so that a new example cannot go untested unnoticed.
func docBlocks(t *testing.T, path string) map[string]docBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	blocks := map[string]docBlock{}
	for _, m := range docBlockRE.FindAllStringSubmatch(text, -1) {
		name := m[1]
		if strings.HasPrefix(name, "skip") {
			continue
		}
		if _, dup := blocks[name]; dup {
			t.Fatalf("%s: two blocks are named %s", path, name)
		}
		blocks[name] = docBlock{name: name, lang: m[2], body: m[3]}
	}
	unmarked := regexp.MustCompile("(?m)^```sh$")
	marked := regexp.MustCompile("(?m)^<!-- doctest: [^>]+ -->\n```sh$")
	if n, k := len(unmarked.FindAllStringIndex(text, -1)), len(marked.FindAllStringIndex(text, -1)); n != k && path == "docs/ci.md" {
		t.Fatalf("%s: %d sh blocks but %d doctest markers: mark each new example <!-- doctest: NAME --> (run it here) or <!-- doctest: skip (why) -->", path, n, k)
	}
	return blocks
}

func TestDocsRunVerbatim(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the documentation's commands")
	}
	readme := docBlocks(t, "README.md")
	ci := docBlocks(t, "docs/ci.md")

	var script strings.Builder
	files := map[string]string{}
	run := func(doc map[string]docBlock, name string) {
		b, ok := doc[name]
		if !ok {
			t.Fatalf("no block <!-- doctest: %s -->", name)
		}
		if b.lang != "sh" {
			t.Fatalf("block %s is %s, not sh", name, b.lang)
		}
		files["blocks/"+name+".sh"] = b.body
		fmt.Fprintf(&script, "exec bash -eo pipefail $WORK/blocks/%s.sh\n", name)
	}
	line := func(format string, args ...any) { fmt.Fprintf(&script, format+"\n", args...) }
	as := func(who string) {
		line("env HOME=$WORK/%s", who)
		line("env USER=%s", who)
	}

	// --- README: the tour. Alice's repository has a remote Bob clones.
	line("[!exec:git] skip 'needs git'")
	line("[!exec:bash] skip 'needs bash'")
	line("env DB_PASSWORD=hunter2-db")
	line("exec git init -q --bare -b main remote.git")
	line("mkdir alice bob cihome")
	line("exec git init -q -b main alice/my-repo")
	line("exec git -C alice/my-repo remote add origin $WORK/remote.git")
	as("alice")
	line("cd $WORK/alice")
	run(readme, "tour-alice")
	line("stdout 'hunter2-db'")
	line("stdout 'prod/api/token'")
	line("exec git -C my-repo push -q origin main")

	as("bob")
	line("cd $WORK/bob")
	line("exec git clone -q $WORK/remote.git my-repo")
	line("cd my-repo")
	run(readme, "tour-bob")
	line("cp bob.card $WORK/alice/my-repo/bob.card") // he sends it

	as("alice")
	line("cd $WORK/alice/my-repo")
	run(readme, "tour-alice-adds-bob")
	line("exec git push -q origin main")

	as("bob")
	line("cd $WORK/bob/my-repo")
	line("exec git pull -q origin main")
	line("exec tresor get prod/db/password")
	line("stdout 'hunter2-db'")

	// The programs the exec examples start check what they were given.
	as("alice")
	line("cd $WORK/alice/my-repo")
	files["alice/my-repo/server"] = "#!/bin/sh\ntest \"$DATABASE_PASSWORD\" = hunter2-db && test -n \"$PROD_API_TOKEN\" && echo server-ok\n"
	files["alice/my-repo/deploy.sh"] = "#!/bin/sh\ntest \"$DATABASE_PASSWORD\" = hunter2-db && test -n \"$API_TOKEN\" && echo deploy-ok\n"
	files["alice/my-repo/run.sh"] = "#!/bin/sh\ngrep -q 'BEGIN TEST KEY' \"$TLS_KEY_FILE\" && echo run-ok\n"
	files["alice/my-repo/.env"] = "APP_MODE=dev\nAPP_DEBUG=1\n"
	files["tls.key"] = "-----BEGIN TEST KEY-----\nnot a real key\n"
	line("exec chmod 0755 server deploy.sh run.sh")
	line("stdin $WORK/tls.key")
	line("exec tresor set tls/key")
	line("env GITHUB_ENV=$WORK/github_env")
	run(readme, "tour-exec")
	line("stdout '^server-ok$'")
	line("stdout '^deploy-ok$'")
	line("stdout '^run-ok$'")
	line("grep '^DATABASE_PASSWORD<<' $WORK/github_env")
	line("exec tresor get dev/app_mode")
	line("stdout '^dev$'")

	// --- docs/ci.md, on a vault of its own, as its admin.
	as("cihome")
	line("exec git init -q --bare -b main $WORK/ci-remote.git")
	line("exec git init -q -b main $WORK/ci-repo")
	line("cd $WORK/ci-repo")
	line("exec git remote add origin $WORK/ci-remote.git")
	line("exec tresor init --name ops")
	line("exec sh -c 'printf %%s hunter2-db | tresor set prod/db/password'")
	line("exec tresor set prod/api/token --generate")
	line("exec tresor set dev/db/password --generate")
	line("exec git add .tresor")
	line("exec git commit -q -m vault")
	run(ci, "ci-deploy-key")
	line("exists $WORK/cihome/ci-prod.key")
	line("! exists ci-prod.key")
	run(ci, "ci-policy-show")
	// The reader edits the draft: the rules block, as docs/ci.md gives it.
	rules, ok := ci["ci-policy-rules"]
	if !ok || rules.lang != "yaml" {
		t.Fatal("docs/ci.md has no yaml block <!-- doctest: ci-policy-rules -->")
	}
	files["rules.yaml"] = rules.body
	line("setrules $WORK/cihome/policy.yaml $WORK/rules.yaml")
	run(ci, "ci-policy-apply")
	line("cp $WORK/cihome/ci-prod.key $WORK/ci-secret") // into the CI secret store
	run(ci, "ci-rm-key")
	line("! exists $WORK/cihome/ci-prod.key")
	run(ci, "ci-genesis")
	line("stdout '^ok: '")
	line("stdout '^genesis: [0-9a-f]{64}$'")
	line("envfrom TRESOR_GENESIS .tresor/vault.yaml '(?m)^genesis: ([0-9a-f]{64})$'")
	run(ci, "ci-verify-genesis")
	line("stdout '^pin: [0-9a-f]{64}$'")
	run(ci, "ci-pin")
	line("exists .tresor-pin")
	line("envfrom TRESOR_PIN .tresor-pin")
	run(ci, "ci-pin") // the next run, with the pin from the cache
	line("exec git push -q origin main")

	// The CI jobs: their tresor commands, in a shallow clone with nothing
	// but the deploy key, no home, no keyring.
	files["ci-deploy.sh"] = "#!/bin/sh\ntest \"$DB_PASSWORD\" = hunter2-db && test -n \"$API_TOKEN\" && echo ci-deploy-ok\n"
	for _, job := range []string{"ci-github-actions", "ci-gitlab"} {
		b, ok := ci[job]
		if !ok {
			t.Fatalf("docs/ci.md has no block <!-- doctest: %s -->", job)
		}
		cmds := ciCommands(t, job, b.body)
		if len(cmds) < 2 {
			t.Fatalf("%s: found %d tresor commands, want the verify and deploy steps", job, len(cmds))
		}
		dir := "$WORK/runner-" + job
		line("exec git clone -q --depth 1 file://$WORK/ci-remote.git %s", dir)
		line("cd %s", dir)
		line("cp $WORK/ci-deploy.sh deploy.sh")
		line("exec chmod 0755 deploy.sh")
		line("env HOME=$WORK/nohome-%s", job)
		line("envfrom TRESOR_IDENTITY $WORK/ci-secret")
		body := strings.Join(cmds, "\n") + "\n"
		files["blocks/"+job+".sh"] = body
		// A CI runner has none of the tour's variables.
		line("exec env -u DB_PASSWORD bash -eo pipefail $WORK/blocks/%s.sh", job)
		line("stdout '^ci-deploy-ok$'")
		line("env TRESOR_IDENTITY=")
	}

	// Revoking the deploy key: its key no longer opens anything.
	as("cihome")
	line("cd $WORK/ci-repo")
	run(ci, "ci-revoke")
	line("envfrom TRESOR_IDENTITY $WORK/ci-secret")
	line("exitcode 4 tresor get prod/db/password")
	line("env TRESOR_IDENTITY=")

	var txtar strings.Builder
	txtar.WriteString(script.String())
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&txtar, "-- %s --\n%s", n, files[n])
		if !strings.HasSuffix(files[n], "\n") {
			txtar.WriteString("\n")
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docs.txtar"), []byte(txtar.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p := scriptParams(dir)
	p.Cmds["setrules"] = cmdSetRules
	testscript.Run(t, p)
}

// ciCommands returns the tresor commands of a CI configuration in the order
// they run: GitHub Actions steps' run scripts and GitLab jobs' script lines.
// Installing tresor is the CI system's business, not the test's.
func ciCommands(t *testing.T, job, body string) []string {
	var doc struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
		Deploy struct {
			Script []string `yaml:"script"`
		} `yaml:"deploy"`
	}
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%s: %v", job, err)
	}
	var lines []string
	for _, j := range doc.Jobs {
		for _, s := range j.Steps {
			lines = append(lines, strings.Split(s.Run, "\n")...)
		}
	}
	lines = append(lines, doc.Deploy.Script...)
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "tresor ") {
			out = append(out, l)
		}
	}
	return out
}

// setrules POLICY RULES: replace the rules of the policy draft POLICY with
// the rules list in the YAML file RULES, as a reader following docs/ci.md
// edits it.
func cmdSetRules(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setrules POLICY RULES")
	}
	var draft yaml.Node
	ts.Check(yaml.Unmarshal([]byte(ts.ReadFile(args[0])), &draft))
	var rules yaml.Node
	ts.Check(yaml.Unmarshal([]byte(ts.ReadFile(args[1])), &rules))
	newRules := rules.Content[0].Content
	m := draft.Content[0]
	replaced := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "rules" {
			for j := 0; j+1 < len(newRules); j += 2 {
				if newRules[j].Value == "rules" {
					m.Content[i+1] = newRules[j+1]
					replaced = true
				}
			}
		}
	}
	if !replaced {
		ts.Fatalf("no rules to replace")
	}
	out, err := yaml.Marshal(&draft)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o600))
}
