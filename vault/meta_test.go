package vault

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// metaNow is the clock of these tests: far ahead of the real one, so that
// the set-up's entries (written at the real time) are in its past.
var metaNow = time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)

func openAt(t *testing.T, dir string, id *crypto.Identity, now time.Time) *Vault {
	t.Helper()
	v, err := Open(dir, Options{Identity: id, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// startRotation writes what the first phase of a two-phase rotation leaves
// (rotate.go's job): the header's pending time, and the payload's previous
// and pending values beside the current one.
func startRotation(t *testing.T, v *Vault, name string, vals format.Payload) {
	t.Helper()
	forgeRotation(t, v, name, &format.Rotation{Every: "30d", Pending: v.timeNow()}, &vals, format.ActionRotate, RotationStarted)
}

func payloadOf(t *testing.T, v *Vault, name string) (format.Payload, format.SecretHeader) {
	t.Helper()
	sf, err := v.readSecretFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.openPayload(sf)
	if err != nil {
		t.Fatal(err)
	}
	return p, sf.Header
}

// meta rewrites the file of a secret in the middle of a rotation: the
// current, previous and pending values and the header's pending time are
// kept; set, which would drop the pending value, is refused.
func TestMetaKeepsARotationInProgress(t *testing.T) {
	alice := mustIdentity(t)
	dir := filepath.Join(t.TempDir(), DirName)
	iv, err := Init(dir, InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	iv.Close()
	v := openAt(t, dir, alice, metaNow)
	if _, err := v.Set("app/db", []byte("current"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	startRotation(t, v, "app/db", format.Payload{Value: []byte("current"), Previous: []byte("older"), Pending: []byte("next")})
	before := journalLength(t, v)

	_, err = v.Set("app/db", []byte("other"), SetOptions{})
	var pr *Problem
	if !errors.As(err, &pr) || !strings.Contains(err.Error(), "rotation in progress") || !strings.Contains(pr.Hint(), "--resume") {
		t.Fatalf("set during a rotation: %v, want a refusal that names rotate --resume", err)
	}
	if n := journalLength(t, v); n != before {
		t.Fatalf("the refused set wrote %d entries", n-before)
	}
	// A batch of sets (import) is refused before its first write.
	if err := v.CheckWritable([]string{"app/new", "app/db"}); err == nil || !strings.Contains(err.Error(), "app/db has a rotation in progress") {
		t.Fatalf("CheckWritable during a rotation: %v", err)
	}
	if err := v.CheckWritable([]string{"app/new", "app/other"}); err != nil {
		t.Fatalf("CheckWritable of other names: %v", err)
	}

	every := format.Duration("7d")
	h, changed, err := v.Meta("app/db", MetaOptions{RotationOptions: RotationOptions{Every: &every}})
	if err != nil || !changed {
		t.Fatalf("meta: %v, changed %v", err, changed)
	}
	p, hdr := payloadOf(t, v, "app/db")
	if string(p.Value) != "current" || string(p.Previous) != "older" || string(p.Pending) != "next" {
		t.Fatalf("meta lost values: value %q previous %q pending %q", p.Value, p.Previous, p.Pending)
	}
	if hdr.Version != h.Version || hdr.Rotation.Every != "7d" || !hdr.Rotation.Pending.Equal(metaNow) || !hdr.Rotation.Rotated.IsZero() {
		t.Fatalf("header after meta: %+v %+v", hdr, hdr.Rotation)
	}
	if rep, err := v.Verify(VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Findings)
	}
}

// A meta that re-encrypts a file to fewer readers (the policy took bob's
// read access since the last write) marks it exposed, as every
// re-encryption that drops a reader does: bob may have kept the value.
func TestMetaMarksWhoLostReadAccess(t *testing.T) {
	tm := newRuleTeam(t)
	v := openAt(t, tm.dir, tm.alice, metaNow)
	if _, err := v.Set("app/x", []byte("v"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.Meta("app/x", MetaOptions{Exposed: "pasted in chat"}); err != nil {
		t.Fatal(err)
	}
	next := policyWith(v.Policy, func(p *format.Policy) { p.Rules[0].Read = format.Names{"admins", "dave"} })
	if err := v.ApplyPolicy(next.Marshal()); err != nil {
		t.Fatal(err)
	}
	expires := metaNow.Add(48 * time.Hour)
	h, changed, err := v.Meta("app/x", MetaOptions{RotationOptions: RotationOptions{Expires: &expires}})
	if err != nil || !changed {
		t.Fatalf("meta: %v %v", err, changed)
	}
	if want := "pasted in chat; bob lost read access 2099-01-02"; h.Rotation.Exposed != want {
		t.Errorf("exposed = %q, want %q", h.Rotation.Exposed, want)
	}
	if strings.Join(h.Readers, ",") != "alice,dave" {
		t.Errorf("readers = %v", h.Readers)
	}
	// The same metadata again still re-encrypts nothing: the readers are
	// the policy's now.
	if _, changed, err := v.Meta("app/x", MetaOptions{RotationOptions: RotationOptions{Expires: &expires}}); err != nil || changed {
		t.Errorf("meta again: %v, changed %v", err, changed)
	}
}

func TestApplyRotation(t *testing.T) {
	v := guardVault(t)
	v.Policy.Settings = &format.Settings{Rotators: format.RotatorMap{"pg": {Run: []string{"true"}}}}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	d := func(s string) *format.Duration { x := format.Duration(s); return &x }
	tp := func(t time.Time) *time.Time { return &t }
	str := func(s string) *string { return &s }
	g := format.Generator{Kind: format.KindHex, Length: 64}
	old := &format.Rotation{Every: "90d", Rotated: now.Add(-time.Hour), Generator: &g, Rotator: "pg", Exposed: "x"}
	tests := []struct {
		name    string
		r       *format.Rotation
		o       RotationOptions
		want    *format.Rotation
		wantErr string
	}{
		{"nothing to nothing", nil, RotationOptions{}, nil, ""},
		{"every on none", nil, RotationOptions{Every: d("30d")}, &format.Rotation{Every: "30d"}, ""},
		{"remove all settings", old, RotationOptions{Every: d(""), Expires: tp(time.Time{}), NoGenerator: true, Rotator: str("")},
			&format.Rotation{Rotated: old.Rotated, Exposed: "x"}, ""},
		{"remove the last field", &format.Rotation{Every: "1d"}, RotationOptions{Every: d("")}, nil, ""},
		{"expires in the future", nil, RotationOptions{Expires: tp(now.Add(time.Second))}, &format.Rotation{Expires: now.Add(time.Second)}, ""},
		{"expires now", nil, RotationOptions{Expires: tp(now)}, nil, "is not in the future"},
		{"expires before", old, RotationOptions{Expires: tp(now.Add(-time.Second))}, nil, "is not in the future"},
		{"bad every", nil, RotationOptions{Every: d("9q")}, nil, "durations are"},
		{"unmeetable generator", nil, RotationOptions{Generator: &format.Generator{Kind: format.KindPassword, Length: 2, Charset: "alnum", Require: []string{"digit", "lower", "upper"}}}, nil, "cannot hold"},
		{"unknown rotator", nil, RotationOptions{Rotator: str("nope")}, nil, "no rotator named nope"},
		{"known rotator", nil, RotationOptions{Rotator: str("pg")}, &format.Rotation{Rotator: "pg"}, ""},
	}
	for _, tc := range tests {
		got, err := v.applyRotation("app/x", tc.r, tc.o, now)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !rotationEqual(got, tc.want):
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// The secret's own metadata is never changed in place.
	if _, err := v.applyRotation("app/x", old, RotationOptions{Every: d("1d"), Generator: &format.Generator{Kind: format.KindUUID, Length: 36}}, now); err != nil {
		t.Fatal(err)
	}
	if old.Every != "90d" || old.Generator.Kind != format.KindHex {
		t.Errorf("applyRotation changed its input: %+v", old)
	}
}

func TestExpiredAt(t *testing.T) {
	at := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	h := format.SecretHeader{Rotation: &format.Rotation{Expires: at}}
	if expiredAt(h, at.Add(-time.Second)) || !expiredAt(h, at) || !expiredAt(h, at.Add(time.Hour)) {
		t.Error("expired means expires <= now")
	}
	if expiredAt(format.SecretHeader{}, at) || expiredAt(format.SecretHeader{Rotation: &format.Rotation{Every: "1d"}}, at) {
		t.Error("no expiry never expires")
	}
}

func TestExpiryBlocksWithErrStatus(t *testing.T) {
	v := guardVault(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v.now = func() time.Time { return now }
	hs := []format.SecretHeader{
		{Name: "a", Rotation: &format.Rotation{Expires: now}},
		{Name: "b", Rotation: &format.Rotation{Expires: now.Add(time.Hour)}},
	}
	w, err := v.checkExpiryAtUse(hs)
	if err != nil || len(w) != 1 || !strings.HasPrefix(w[0], "a expired on 2030-01-01") {
		t.Fatalf("warn: %q %v", w, err)
	}
	if w, _ := v.checkExpiryAtUse(hs); len(w) != 0 {
		t.Errorf("warned twice: %q", w)
	}
	v.Policy.Settings = &format.Settings{Expired: format.ExpiredBlock}
	_, err = v.checkExpiryAtUse(hs)
	if !errors.Is(err, ErrStatus) || !strings.Contains(err.Error(), "a expired on 2030-01-01") {
		t.Fatalf("block: %v", err)
	}
}

// BenchmarkExpiryAtUse2000 is the cost expiry at use adds to an env or exec
// of 2,000 secrets, all with an expiry, none expired (the common case).
func BenchmarkExpiryAtUse2000(b *testing.B) {
	v := &Vault{Policy: &format.Policy{}, now: func() time.Time { return metaNow }}
	hs := make([]format.SecretHeader, 2000)
	for i := range hs {
		hs[i] = format.SecretHeader{Name: "app/s", Rotation: &format.Rotation{Expires: metaNow.Add(time.Hour)}}
	}
	b.ResetTimer()
	for range b.N {
		if w, err := v.checkExpiryAtUse(hs); err != nil || w != nil {
			b.Fatal(w, err)
		}
	}
}
