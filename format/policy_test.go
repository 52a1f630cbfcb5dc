package format_test

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

// designPolicy is the example policy of DESIGN.md.
func designPolicy() *format.Policy {
	return &format.Policy{
		Members: map[string]format.Member{
			"ops-lead":   {Recipient: "age1pq1opslead", Signer: "ed25519:b3BzLWxlYWQ="},
			"dev-laptop": {Recipient: "age1pq1devlaptop", Signer: "ed25519:ZGV2LWxhcHRvcA=="},
			"ci-prod":    {Recipient: "age1pq1ciprod", Signer: "ed25519:Y2ktcHJvZA=="},
			"ci-legacy":  {Recipient: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA deploy@ci"},
		},
		Groups: map[string]format.Names{
			"admins": {"ops-lead"},
			"sre":    {"dev-laptop", "ops-lead"},
		},
		Rules: []format.Rule{
			{Path: "prod/**", Read: format.Names{"ci-prod", "sre"}, Write: format.Names{"sre"}},
			{Path: "legacy/**", Read: format.Names{"ci-legacy"}, Write: format.Names{"admins"}},
			{Path: "**", Read: format.Names{"admins"}, Write: format.Names{"admins"}},
		},
		Admins: format.Names{"admins"},
	}
}

const designPolicyYAML = `tresor: policy/v1
members:
  ci-legacy: {recipient: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA deploy@ci}
  ci-prod: {recipient: age1pq1ciprod, signer: 'ed25519:Y2ktcHJvZA=='}
  dev-laptop: {recipient: age1pq1devlaptop, signer: 'ed25519:ZGV2LWxhcHRvcA=='}
  ops-lead: {recipient: age1pq1opslead, signer: 'ed25519:b3BzLWxlYWQ='}
groups:
  admins: [ops-lead]
  sre: [dev-laptop, ops-lead]
rules:
  - {path: prod/**, read: [ci-prod, sre], write: [sre]}
  - {path: legacy/**, read: [ci-legacy], write: [admins]}
  - {path: '**', read: [admins], write: [admins]}
admins: [admins]
`

func TestPolicyGolden(t *testing.T) {
	p := designPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := p.Marshal(); string(got) != designPolicyYAML {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, designPolicyYAML)
	}
	if p.Tresor != "" {
		t.Errorf("Marshal set p.Tresor = %q; it must not change its receiver", p.Tresor)
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	noGroups := &format.Policy{
		Members: map[string]format.Member{"solo": {Recipient: "age1solo"}},
		Rules:   []format.Rule{{Path: "**", Read: format.Names{"solo"}, Write: format.Names{"solo"}}},
		Admins:  format.Names{"solo"},
	}
	writeOnly := &format.Policy{
		Members: map[string]format.Member{"ci": {Recipient: "age1ci", Signer: "ed25519:Y2k="}, "me": {Recipient: "age1me"}},
		Rules: []format.Rule{
			{Path: "ci/{a,b}/*", Read: format.Names{"me"}, Write: format.Names{"ci"}},
			{Path: "drop/**", Read: format.Names{}, Write: format.Names{"ci"}},
			{Path: "**", Read: format.Names{"me"}, Write: format.Names{"me"}},
		},
		Admins: format.Names{"me"},
	}
	for _, tt := range []struct {
		name string
		p    *format.Policy
	}{
		{"design", designPolicy()},
		{"no groups", noGroups},
		{"write-only drop and braces", writeOnly},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.p.Marshal()
			got, err := format.ParsePolicy(b)
			if err != nil {
				t.Fatalf("ParsePolicy(Marshal()): %v\n%s", err, b)
			}
			if !bytes.Equal(got.Marshal(), b) {
				t.Errorf("Marshal(ParsePolicy(b)) != b:\n%s\nvs\n%s", got.Marshal(), b)
			}
			if got.Tresor != format.PolicyTag {
				t.Errorf("Tresor = %q", got.Tresor)
			}
			if !reflect.DeepEqual(got.Members, tt.p.Members) {
				t.Errorf("members = %#v, want %#v", got.Members, tt.p.Members)
			}
			if len(got.Groups) != len(tt.p.Groups) {
				t.Errorf("groups = %#v, want %#v", got.Groups, tt.p.Groups)
			}
			for g, list := range tt.p.Groups {
				if !slices.Equal(got.Groups[g], list) {
					t.Errorf("group %s = %v, want %v", g, got.Groups[g], list)
				}
			}
			if len(got.Rules) != len(tt.p.Rules) {
				t.Fatalf("rules = %#v, want %#v", got.Rules, tt.p.Rules)
			}
			for i, r := range tt.p.Rules {
				g := got.Rules[i]
				if g.Path != r.Path || !slices.Equal(g.Read, r.Read) || !slices.Equal(g.Write, r.Write) {
					t.Errorf("rule %d = %#v, want %#v", i, g, r)
				}
			}
			if !slices.Equal(got.Admins, tt.p.Admins) {
				t.Errorf("admins = %v, want %v", got.Admins, tt.p.Admins)
			}
		})
	}
}

func TestPolicyMarshalEmpty(t *testing.T) {
	want := "tresor: policy/v1\nmembers: {}\ngroups: {}\nrules: []\nadmins: []\n"
	if got := (&format.Policy{}).Marshal(); string(got) != want {
		t.Errorf("Marshal of an empty policy = %q, want %q", got, want)
	}
}

func TestPolicyMarshalIsDeterministic(t *testing.T) {
	// Members and groups are maps: their order on disk must not depend on
	// Go's map iteration order.
	p := designPolicy()
	first := p.Marshal()
	for range 50 {
		if again := p.Marshal(); !bytes.Equal(again, first) {
			t.Fatalf("Marshal differs between calls:\n%s\nvs\n%s", first, again)
		}
	}
}

// TestPolicyMarshalIsDeterministicWithLongDigitRuns: yaml.v3 sorts map keys
// with a "natural" order that reads digit runs into an int64. Runs of 19+
// digits overflow, the order stops being transitive, and sort.Sort's result
// then depends on the map's (random) iteration order. Member names allow up
// to 64 digits, so Marshal is not deterministic, and ParsePolicy may reject
// as ErrNotCanonical a policy that Marshal just wrote. The same applies to
// groups and to the files map in journal entry details.
func TestPolicyMarshalIsDeterministicWithLongDigitRuns(t *testing.T) {
	for _, names := range [][]string{
		{"1", "9", "9223372036854775808"},
		{"ci-1", "ci-9", "ci-9223372036854775808"},
	} {
		p := &format.Policy{Members: map[string]format.Member{}, Admins: format.Names{names[0]}}
		for _, n := range names {
			p.Members[n] = format.Member{Recipient: "age1" + n}
		}
		p.Rules = []format.Rule{{Path: "**", Read: format.Names{names[0]}, Write: format.Names{names[0]}}}
		first := p.Marshal()
		for range 100 {
			b := p.Marshal()
			if !bytes.Equal(b, first) {
				t.Fatalf("Marshal differs between calls:\n%s\nvs\n%s", first, b)
			}
			if _, err := format.ParsePolicy(b); err != nil {
				t.Fatalf("ParsePolicy(Marshal()) = %v", err)
			}
		}
	}
}

func TestParsePolicyRejects(t *testing.T) {
	tests := []textEdit{
		{name: "empty", edit: func(string) string { return "" }},
		{name: "wrong tag", edit: replace("tresor: policy/v1", "tresor: policy/v2"), wantErr: format.ErrUnknownVersion},
		{name: "unknown field", edit: replace("admins: [admins]\n", "admins: [admins]\nowners: [admins]\n")},
		{name: "unknown member field", edit: replace("{recipient: age1pq1ciprod,", "{recipient: age1pq1ciprod, email: x,")},
		{name: "comment", edit: replace("rules:\n", "rules: # first match wins\n"), wantErr: format.ErrNotCanonical},
		{name: "unsorted members", edit: func(s string) string {
			a := "  ci-legacy: {recipient: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA deploy@ci}\n"
			b := "  ci-prod: {recipient: age1pq1ciprod, signer: 'ed25519:Y2ktcHJvZA=='}\n"
			return strings.Replace(s, a+b, b+a, 1)
		}, wantErr: format.ErrNotCanonical},
		{name: "block style member", edit: replace("  ci-prod: {recipient: age1pq1ciprod, signer: 'ed25519:Y2ktcHJvZA=='}", "  ci-prod:\n    recipient: age1pq1ciprod\n    signer: 'ed25519:Y2ktcHJvZA=='"), wantErr: format.ErrNotCanonical},
		{name: "quoted path", edit: replace("{path: prod/**,", `{path: "prod/**",`), wantErr: format.ErrNotCanonical},
		{name: "aligned members", edit: replace("  ci-prod: {", "  ci-prod:   {"), wantErr: format.ErrNotCanonical},
		{name: "duplicate member key", edit: replace("  ops-lead: {recipient: age1pq1opslead", "  ops-lead: {recipient: age1pq1x}\n  ops-lead: {recipient: age1pq1opslead")},
		{name: "group lists a non-member", edit: replace("sre: [dev-laptop, ops-lead]", "sre: [dev-laptop, ops-lead, zed]"), wantInErr: "not a member"},
		{name: "group lists a group", edit: replace("sre: [dev-laptop, ops-lead]", "sre: [admins, dev-laptop]"), wantInErr: "not a member"},
		{name: "unsorted group", edit: replace("sre: [dev-laptop, ops-lead]", "sre: [ops-lead, dev-laptop]"), wantInErr: "sorted"},
		{name: "rule names unknown", edit: replace("read: [ci-prod, sre]", "read: [ci-prod, nobody]"), wantInErr: "neither a member nor a group"},
		{name: "rule write names unknown", edit: replace("write: [sre]", "write: [ghost]"), wantInErr: "neither a member nor a group"},
		{name: "unsorted rule read", edit: replace("read: [ci-prod, sre]", "read: [sre, ci-prod]"), wantInErr: "sorted"},
		{name: "bad glob", edit: replace("{path: prod/**,", "{path: 'prod/[',"), wantInErr: "glob"},
		{name: "empty glob", edit: replace("{path: prod/**,", `{path: "",`), wantInErr: "glob"},
		{name: "admins names unknown", edit: replace("admins: [admins]\n", "admins: [root]\n"), wantInErr: "neither a member nor a group"},
		{name: "empty admins", edit: replace("admins: [admins]\n", "admins: []\n"), wantInErr: "admins is empty"},
		{name: "bad member name", edit: replace("  ops-lead: {", "  Ops-lead: {")},
		{name: "member without recipient", edit: replace("{recipient: age1pq1ciprod,", `{recipient: "",`), wantInErr: "no recipient"},
	}
	checkRejects(t, designPolicyYAML, tests, format.ParsePolicy)
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*format.Policy)
		wantInErr string
	}{
		{"group lists a non-member", func(p *format.Policy) { p.Groups["sre"] = format.Names{"dev-laptop", "zed"} }, "zed, who is not a member"},
		{"rule names unknown", func(p *format.Policy) { p.Rules[0].Read = format.Names{"nobody"} }, "names nobody"},
		{"empty rules", func(p *format.Policy) { p.Rules = nil }, "no rules"},
		{"empty admins", func(p *format.Policy) { p.Admins = nil }, "admins is empty"},
		{"admins name unknown", func(p *format.Policy) { p.Admins = format.Names{"root"} }, "names root"},
		{"bad glob", func(p *format.Policy) { p.Rules[1].Path = "legacy/[" }, "rule 2"},
		{"trailing backslash glob", func(p *format.Policy) { p.Rules[1].Path = `legacy\` }, "not a valid path glob"},
		{"member/group name clash", func(p *format.Policy) { p.Groups["ci-prod"] = format.Names{"ops-lead"} }, "both a member and a group"},
		{"bad group name", func(p *format.Policy) { p.Groups["SRE"] = format.Names{"ops-lead"} }, "member and group names"},
		{"bad member name", func(p *format.Policy) { p.Members["-x"] = format.Member{Recipient: "age1x"} }, "member and group names"},
		{"empty recipient", func(p *format.Policy) { p.Members["x"] = format.Member{} }, "no recipient"},
		{"multi-line recipient", func(p *format.Policy) { p.Members["x"] = format.Member{Recipient: "age1\nage1"} }, "one line"},
		{"multi-line signer", func(p *format.Policy) { p.Members["x"] = format.Member{Recipient: "age1x", Signer: "ed25519:\r"} }, "one line"},
		{"duplicate in group", func(p *format.Policy) { p.Groups["sre"] = format.Names{"ops-lead", "ops-lead"} }, "sorted and unique"},
		{"duplicate in admins", func(p *format.Policy) { p.Admins = format.Names{"admins", "admins"} }, "sorted and unique"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := designPolicy()
			tt.edit(p)
			err := p.Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantInErr)
			}
		})
	}
}

func TestRuleForFirstMatchWins(t *testing.T) {
	p := designPolicy()
	for _, tt := range []struct {
		name string
		want int
	}{
		{"prod/db/password", 0},
		{"prod/x", 0},
		{"prod", 0}, // doublestar: "prod/**" also matches "prod" itself
		{"production/db", 2},
		{"legacy/api", 1},
		{"staging/db", 2},
		{"token", 2},
	} {
		if got := p.RuleFor(tt.name); got != tt.want {
			t.Errorf("RuleFor(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}

	// With "**" first, it shadows everything after it.
	p.Rules = []format.Rule{p.Rules[2], p.Rules[0]}
	if got := p.RuleFor("prod/db/password"); got != 0 {
		t.Errorf(`with "**" first, RuleFor("prod/db/password") = %d, want 0`, got)
	}

	// No rule: -1, and no readers or writers.
	p.Rules = []format.Rule{{Path: "prod/*", Read: format.Names{"sre"}, Write: format.Names{"sre"}}}
	for _, name := range []string{"prod/db/password", "staging/x"} {
		if got := p.RuleFor(name); got != -1 {
			t.Errorf("RuleFor(%q) = %d, want -1", name, got)
		}
		if r := p.ReadersOf(name); r != nil {
			t.Errorf("ReadersOf(%q) = %v, want nil", name, r)
		}
		if w := p.WritersOf(name); w != nil {
			t.Errorf("WritersOf(%q) = %v, want nil", name, w)
		}
	}
}

func TestReadersAndWritersExpandGroups(t *testing.T) {
	p := designPolicy()
	for _, tt := range []struct {
		name             string
		readers, writers []string
	}{
		{"prod/db/password", []string{"ci-prod", "dev-laptop", "ops-lead"}, []string{"dev-laptop", "ops-lead"}},
		{"legacy/api", []string{"ci-legacy"}, []string{"ops-lead"}}, // admins may write, not read
		{"staging/db", []string{"ops-lead"}, []string{"ops-lead"}},
	} {
		if got := p.ReadersOf(tt.name); !slices.Equal(got, tt.readers) {
			t.Errorf("ReadersOf(%q) = %v, want %v", tt.name, got, tt.readers)
		}
		if got := p.WritersOf(tt.name); !slices.Equal(got, tt.writers) {
			t.Errorf("WritersOf(%q) = %v, want %v", tt.name, got, tt.writers)
		}
	}
}

func TestExpand(t *testing.T) {
	p := designPolicy()
	for _, tt := range []struct {
		refs []string
		want []string
	}{
		{nil, []string{}},
		{[]string{"sre", "admins", "ops-lead"}, []string{"dev-laptop", "ops-lead"}}, // deduplicated
		{[]string{"ci-prod", "admins"}, []string{"ci-prod", "ops-lead"}},            // sorted
		{[]string{"ghost"}, []string{}},
	} {
		if got := p.Expand(tt.refs); !slices.Equal(got, tt.want) {
			t.Errorf("Expand(%v) = %v, want %v", tt.refs, got, tt.want)
		}
	}
}

func TestIsAdmin(t *testing.T) {
	p := designPolicy()
	p.Members["root"] = format.Member{Recipient: "age1root"}
	p.Admins = format.Names{"admins", "root"} // a group and a member
	for member, want := range map[string]bool{
		"ops-lead":   true,  // through the admins group
		"root":       true,  // named directly
		"dev-laptop": false, // in sre, not in admins
		"ci-prod":    false,
		"admins":     false, // a group is not a member
		"":           false,
	} {
		if got := p.IsAdmin(member); got != want {
			t.Errorf("IsAdmin(%q) = %v, want %v", member, got, want)
		}
	}
}

func TestPolicyClone(t *testing.T) {
	p := designPolicy()
	p.Tresor = format.PolicyTag
	want := p.Marshal()

	c := p.Clone()
	if !bytes.Equal(c.Marshal(), want) {
		t.Fatalf("Clone().Marshal() =\n%s\nwant\n%s", c.Marshal(), want)
	}
	if c.Tresor != p.Tresor {
		t.Errorf("Clone().Tresor = %q, want %q", c.Tresor, p.Tresor)
	}

	// Change every part of the clone, in place where a shared backing array
	// would leak.
	c.Members["ops-lead"] = format.Member{Recipient: "age1changed"}
	c.Members["new"] = format.Member{Recipient: "age1new"}
	c.Groups["sre"][0] = "changed"
	c.Groups["new"] = format.Names{"new"}
	c.Rules[0].Path = "changed/**"
	c.Rules[0].Read[0] = "changed"
	c.Rules[0].Write[0] = "changed"
	c.Rules = append(c.Rules, format.Rule{Path: "x"})
	c.Admins[0] = "changed"

	if got := p.Marshal(); !bytes.Equal(got, want) {
		t.Errorf("changing the clone changed the original:\n%s\nwant\n%s", got, want)
	}
}

func TestPolicyCloneOfEmpty(t *testing.T) {
	c := (&format.Policy{}).Clone()
	if c.Members == nil || c.Groups == nil {
		t.Error("Clone of an empty policy has nil maps; adding a member would panic")
	}
	c.Members["x"] = format.Member{Recipient: "age1x"}
}

func TestPolicySettingsRoundTrip(t *testing.T) {
	p := &format.Policy{
		Members:  format.MemberMap{"a": {Recipient: "age1x"}},
		Rules:    []format.Rule{{Path: "**", Read: format.Names{"a"}, Write: format.Names{"a"}}},
		Admins:   format.Names{"a"},
		Settings: &format.Settings{Plugins: format.Names{"yubikey"}, Generate: "16:hex", AllowEnv: format.Names{"PATH"}},
	}
	b := p.Marshal()
	q, err := format.ParsePolicy(b)
	if err != nil {
		t.Fatalf("ParsePolicy: %v\n%s", err, b)
	}
	if !q.PluginAllowed("yubikey") || q.PluginAllowed("other") || q.DefaultGenerate() != "16:hex" || !q.EnvAllowed("PATH") || q.EnvAllowed("HOME") {
		t.Fatalf("settings lost in the round trip: %+v", q.Settings)
	}
	for _, bad := range []*format.Settings{
		{Plugins: format.Names{"Bad Name"}},
		{Generate: "1:nope"},
		{AllowEnv: format.Names{"1X"}},
		{AllowEnv: format.Names{"B", "A"}},
		{},
	} {
		c := p.Clone()
		c.Settings = bad
		if err := c.Validate(); err == nil {
			t.Errorf("settings %+v validated", bad)
		}
	}
}
