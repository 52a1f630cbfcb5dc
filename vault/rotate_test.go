package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// rotateVault makes a vault with alice as its admin, on the clock *now.
func rotateVault(t *testing.T, now *time.Time) *Vault {
	t.Helper()
	clock := func() time.Time { return *now }
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: mustIdentity(t), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func setRotationSettings(t *testing.T, v *Vault, s *format.Settings) {
	t.Helper()
	if err := v.changePolicy("rotation settings", func(p *format.Policy) error {
		p.Settings = s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A rotation seals the new value under a fresh read key, in one step and
// in both phases of a two-phase rotation: the key the old value was sealed
// under may be why it is rotated. (Without renewReadKeys the writer's
// store would hand out the same key again.)
func TestRotateSealsUnderAFreshReadKey(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := rotateVault(t, &now)
	setRotationSettings(t, v, &format.Settings{
		Rotation: []format.RotationDefault{{Path: "two/**", Generate: "hex:16", Rotator: "sink"}},
		Rotators: format.RotatorMap{"sink": {Run: []string{"sh", "-c", "cat > /dev/null"}}},
	})
	for _, n := range []string{"one/a", "two/b", "other/c"} {
		if _, err := v.Set(n, []byte("old "+n), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	old := envelopeOf(t, v, v.identity, "other/c").ReadKeyID
	if old == "" || envelopeOf(t, v, v.identity, "one/a").ReadKeyID != old {
		t.Fatal("the secrets of one reader set do not share a read key to begin with")
	}

	if _, err := v.Rotate("one/a", RotateOptions{Value: []byte("new one/a")}); err != nil {
		t.Fatal(err)
	}
	p := envelopeOf(t, v, v.identity, "one/a")
	if p.ReadKeyID == "" || p.ReadKeyID == old {
		t.Fatalf("one/a was rotated under read key %q, the old one was %s", p.ReadKeyID, old)
	}
	if string(p.Value) != "new one/a" || string(p.Previous) != "old one/a" || p.Pending != nil {
		t.Fatalf("one/a's envelope after rotation: value %q previous %q pending %q", p.Value, p.Previous, p.Pending)
	}

	before := envelopeOf(t, v, v.identity, "two/b").ReadKeyID
	res, err := v.Rotate("two/b", RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rotator != "sink" || res.Version != 3 {
		t.Fatalf("two-phase rotation result %+v, want rotator sink, version 3", res)
	}
	p = envelopeOf(t, v, v.identity, "two/b")
	if p.ReadKeyID == "" || p.ReadKeyID == before {
		t.Fatalf("two/b was rotated under read key %q, the old one was %s", p.ReadKeyID, before)
	}
	if string(p.Previous) != "old two/b" || len(p.Value) != 16 {
		t.Fatalf("two/b after rotation: value %q previous %q", p.Value, p.Previous)
	}
}

// A header that names a rotator the signed policy lacks (an admin removed
// it) is a clear error, exit 1, and nothing is written: not even phase 1.
func TestRotateRefusesAnUnknownRotator(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := rotateVault(t, &now)
	setRotationSettings(t, v, &format.Settings{
		Rotators: format.RotatorMap{"known": {Run: []string{"sh", "-c", "cat > /dev/null"}}},
	})
	g, err := format.ParseGenerator("hex:16")
	if err != nil {
		t.Fatal(err)
	}
	commitAsAlice(t, v, format.SecretHeader{Name: "app/x", Version: 1, Created: now, Updated: now,
		Rotation: &format.Rotation{Generator: &g, Rotator: "gone"}})
	file := filepath.Join(v.Dir, "secrets", "app", "x.secret")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	entries := journalLength(t, v)

	_, err = v.Rotate("app/x", RotateOptions{})
	if err == nil || !strings.Contains(err.Error(), "app/x names the rotator gone, which the policy does not define; nothing was written") {
		t.Fatalf("rotate with an unknown rotator: %v", err)
	}
	if errors.Is(err, ErrVerify) || errors.Is(err, ErrNoAccess) || errors.Is(err, ErrStatus) {
		t.Fatalf("an unknown rotator is an ordinary error (exit 1), got %v", err)
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) || journalLength(t, v) != entries {
		t.Fatal("a refused rotation wrote something")
	}
	plan, err := v.PlanRotation("app/x")
	if err != nil || plan.Rotator != "gone" || plan.Generator != "hex:16" {
		t.Fatalf("plan %+v, %v: the header's generator and rotator come first", plan, err)
	}
}

// rotationDue follows the shared semantics: every from the header, else
// the default; age from rotated, else created; due at exactly every;
// exposed by the header or by a reader the policy dropped.
func TestRotationDue(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	p := &format.Policy{
		Members: map[string]format.Member{"alice": {}, "bob": {}},
		Groups:  map[string]format.Names{"admins": {"alice"}},
		Rules:   []format.Rule{{Path: "**", Read: format.Names{"admins"}, Write: format.Names{"admins"}}},
		Settings: &format.Settings{Rotation: []format.RotationDefault{
			{Path: "prod/**", Every: "30d"},
		}},
	}
	h := func(name string, rot *format.Rotation, readers ...string) format.SecretHeader {
		if readers == nil {
			readers = []string{"alice"}
		}
		return format.SecretHeader{Name: name, Version: 2, Created: t0, Updated: t0, Readers: readers, Rotation: rot}
	}
	for _, tc := range []struct {
		what string
		h    format.SecretHeader
		at   time.Time
		want string
	}{
		{"no period", h("dev/x", nil), t0.Add(1000 * day), ""},
		{"default period, not yet", h("prod/x", nil), t0.Add(30*day - time.Second), ""},
		{"default period, never rotated: from created", h("prod/x", nil), t0.Add(30 * day), "overdue since 2030-01-31T00:00:00Z"},
		{"rotated resets the age", h("prod/x", &format.Rotation{Rotated: t0.Add(10 * day)}), t0.Add(30 * day), ""},
		{"the header's period wins", h("prod/x", &format.Rotation{Every: "7d"}), t0.Add(7 * day), "overdue since 2030-01-08T00:00:00Z"},
		{"exposed by the header", h("dev/x", &format.Rotation{Exposed: "bob removed 2030-01-02"}), t0, "exposed: bob removed 2030-01-02"},
		{"exposed by a reader the policy dropped", h("dev/x", nil, "alice", "bob"), t0, "exposed: bob can still decrypt it but may no longer read it"},
		{"exposed and overdue", h("prod/x", &format.Rotation{Exposed: "leak"}), t0.Add(31 * day), "exposed: leak; overdue since 2030-01-31T00:00:00Z"},
	} {
		if got := rotationDue(p, tc.h, tc.at); got != tc.want {
			t.Errorf("%s: rotationDue = %q, want %q", tc.what, got, tc.want)
		}
	}
}

// rotate --due picks what is due by the vault's clock: the secrets with a
// generator are planned for rotation, the others need a human; after the
// rotation nothing is due.
func TestDueRotations(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := rotateVault(t, &now)
	setRotationSettings(t, v, &format.Settings{Rotation: []format.RotationDefault{
		{Path: "auto/**", Every: "30d", Generate: "hex:20"},
		{Path: "manual/**", Every: "30d"},
	}})
	for _, n := range []string{"auto/a", "manual/m", "other/o"} {
		if _, err := v.Set(n, []byte("v1"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	due := func(prefix string) []RotationPlan {
		t.Helper()
		plans, err := v.DueRotations(prefix)
		if err != nil {
			t.Fatal(err)
		}
		return plans
	}
	now = now.Add(29 * 24 * time.Hour)
	if plans := due(""); len(plans) != 0 {
		t.Fatalf("due before the period passed: %+v", plans)
	}
	now = now.Add(24 * time.Hour)
	plans := due("")
	if len(plans) != 2 || plans[0].Name != "auto/a" || plans[0].Generator != "hex:20" || plans[0].Human != "" ||
		plans[1].Name != "manual/m" || !strings.Contains(plans[1].Human, "no generator") ||
		plans[0].Due != "overdue since 2030-01-31T00:00:00Z" {
		t.Fatalf("due at 30 days: %+v", plans)
	}
	if plans := due("manual/"); len(plans) != 1 || plans[0].Name != "manual/m" {
		t.Fatalf("--prefix manual/: %+v", plans)
	}
	if _, err := v.Rotate("auto/a", RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	if plans := due("auto/"); len(plans) != 0 {
		t.Fatalf("still due after rotation: %+v", plans)
	}
	_, h, err := v.Get("auto/a")
	if err != nil {
		t.Fatal(err)
	}
	if h.Rotation == nil || !h.Rotation.Rotated.Equal(now) {
		t.Fatalf("rotated is %v, want %v", h.Rotation, now)
	}
}

// A header that says a rotation is half done over an envelope without a
// pending value (what an older tresor's set leaves: it keeps the header's
// rotation fields and writes only the value) is not tampering: rotate and
// --resume say to abort, and --abort clears it.
func TestRotatePendingHeaderWithoutPendingValue(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := rotateVault(t, &now)
	commitAsAlice(t, v, format.SecretHeader{Name: "app/x", Version: 1, Created: now, Updated: now,
		Rotation: &format.Rotation{Pending: now}})
	for _, opts := range []RotateOptions{{Value: []byte("new")}, {Resume: true}} {
		_, err := v.Rotate("app/x", opts)
		if err == nil || !strings.Contains(err.Error(), "its pending value is gone") || errors.Is(err, ErrVerify) {
			t.Fatalf("rotate %+v: %v", opts, err)
		}
		if HintOf(err) != "clear it: tresor rotate app/x --abort" {
			t.Fatalf("hint %q", HintOf(err))
		}
	}
	res, err := v.Rotate("app/x", RotateOptions{Abort: true})
	if err != nil || res.Done != "aborted" {
		t.Fatalf("abort: %+v, %v", res, err)
	}
	if _, err := v.Rotate("app/x", RotateOptions{Value: []byte("new")}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := v.GetPrevious("app/x"); err != nil || string(got) != "value of app/x" {
		t.Fatalf("previous %q, %v", got, err)
	}
}

// The value, previous and pending share one 1 MiB envelope: a rotation
// drops a previous value that no longer fits, and a two-phase rotation of
// two values that do not fit side by side is refused before phase 1.
func TestRotateLargeValues(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := rotateVault(t, &now)
	setRotationSettings(t, v, &format.Settings{
		Rotation: []format.RotationDefault{{Path: "two/**", Rotator: "sink"}},
		Rotators: format.RotatorMap{"sink": {Run: []string{"sh", "-c", "cat > /dev/null"}}},
	})
	big := bytes.Repeat([]byte("a"), 600<<10)
	if _, err := v.Set("two/x", big, SetOptions{}); err != nil {
		t.Fatal(err)
	}
	entries := journalLength(t, v)
	_, err := v.Rotate("two/x", RotateOptions{Value: bytes.Repeat([]byte("b"), 500<<10)})
	if err == nil || !strings.Contains(err.Error(), "keeps the current and the new value side by side") {
		t.Fatalf("two-phase rotation over 1 MiB: %v", err)
	}
	if journalLength(t, v) != entries {
		t.Fatal("a refused rotation wrote an entry")
	}
	small := []byte("small")
	if _, err := v.Rotate("two/x", RotateOptions{Value: small}); err != nil {
		t.Fatal(err)
	}
	p := envelopeOf(t, v, v.identity, "two/x")
	if !bytes.Equal(p.Value, small) || !bytes.Equal(p.Previous, big) {
		t.Fatalf("after rotation: value %d bytes, previous %d bytes", len(p.Value), len(p.Previous))
	}
	// Phase 1 holds current, previous and pending: the previous (600 KiB)
	// does not fit beside a 500 KiB new value, so it is dropped.
	if _, err := v.Rotate("two/x", RotateOptions{Value: bytes.Repeat([]byte("c"), 500<<10)}); err != nil {
		t.Fatal(err)
	}
	p = envelopeOf(t, v, v.identity, "two/x")
	if len(p.Value) != 500<<10 || !bytes.Equal(p.Previous, small) {
		t.Fatalf("after the second rotation: value %d bytes, previous %q", len(p.Value), p.Previous)
	}
}

// --resume seals the new value under a fresh read key too: whoever
// resumes may have sealed the old value under the key they hold.
func TestRotateResumeRenewsTheReadKey(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := rotateVault(t, &now)
	flag := filepath.Join(t.TempDir(), "ok")
	setRotationSettings(t, v, &format.Settings{
		Rotation: []format.RotationDefault{{Path: "**", Generate: "hex:16", Rotator: "gate"}},
		Rotators: format.RotatorMap{"gate": {Run: []string{"sh", "-c", "cat > /dev/null; test -e " + flag}}},
	})
	if _, err := v.Set("app/x", []byte("old"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Rotate("app/x", RotateOptions{}); err == nil || !strings.Contains(err.Error(), "rotator gate exited with status 1") {
		t.Fatalf("rotate with a failing rotator: %v", err)
	}
	started := envelopeOf(t, v, v.identity, "app/x")
	if started.Pending == nil || string(started.Value) != "old" {
		t.Fatalf("after a failed rotator: value %q, pending %q", started.Value, started.Pending)
	}
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := v.Rotate("app/x", RotateOptions{Resume: true})
	if err != nil || res.Done != "resumed" {
		t.Fatalf("resume: %+v, %v", res, err)
	}
	p := envelopeOf(t, v, v.identity, "app/x")
	if !bytes.Equal(p.Value, started.Pending) || string(p.Previous) != "old" || p.Pending != nil {
		t.Fatalf("after resume: value %q previous %q pending %q", p.Value, p.Previous, p.Pending)
	}
	if p.ReadKeyID == "" || p.ReadKeyID == started.ReadKeyID {
		t.Fatalf("resume sealed under read key %q, phase 1 under %s", p.ReadKeyID, started.ReadKeyID)
	}
}
