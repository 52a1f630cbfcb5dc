package vault

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// The policy the evaluation tests judge headers against: alice and bob
// read and write app/**, carol is an admin without a signing key, dave
// reads prod/** (where a default sets every 90d) but writes nothing.
func statusTestPolicy() *format.Policy {
	return &format.Policy{
		Tresor: format.PolicyTag,
		Members: format.MemberMap{
			"alice": {Recipient: "age1alice"}, "bob": {Recipient: "age1bob"},
			"carol": {Recipient: "age1carol"}, "dave": {Recipient: "age1dave"},
		},
		Groups: format.GroupMap{},
		Rules: []format.Rule{
			{Path: "prod/**", Read: format.Names{"alice", "dave"}, Write: format.Names{"alice"}},
			{Path: "app/**", Read: format.Names{"alice", "bob"}, Write: format.Names{"alice", "bob"}},
			{Path: "ops/**", Read: format.Names{"alice", "carol"}, Write: format.Names{"alice"}},
		},
		Admins: format.Names{"carol"},
		Settings: &format.Settings{Rotation: []format.RotationDefault{
			{Path: "prod/db/**", Every: "30d"},
			{Path: "prod/**", Every: "90d"},
			{Path: "app/gen/**", Generate: "token"}, // no every: no period
		}},
	}
}

var (
	statusT0  = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // created
	statusDay = 24 * time.Hour
)

// statusHeader builds a header created at statusT0 with the policy's
// readers for name.
func testStatusHeader(name string, r *format.Rotation) *format.SecretHeader {
	return &format.SecretHeader{Tresor: format.SecretTag, Name: name, Version: 1, Created: statusT0, Updated: statusT0,
		Readers: format.Names(statusTestPolicy().ReadersOf(name)), Rotation: r}
}

func signsExcept(who ...string) func(string) bool {
	return func(m string) bool { return !slices.Contains(who, m) }
}

func conds(cs ...StatusCondition) []StatusCondition { return cs }

func TestEvaluateSecret(t *testing.T) {
	p := statusTestPolicy()
	within := 14 * statusDay
	every30 := &format.Rotation{Every: "30d"}
	rotated := func(at time.Time, every format.Duration) *format.Rotation {
		return &format.Rotation{Every: every, Rotated: at}
	}
	expires := func(at time.Time) *format.Rotation { return &format.Rotation{Expires: at} }
	updated := func(h *format.SecretHeader, at time.Time) *format.SecretHeader {
		h.Updated, h.Version = at, 2
		return h
	}
	withReaders := func(h *format.SecretHeader, readers ...string) *format.SecretHeader {
		h.Readers = readers
		return h
	}
	for _, c := range []struct {
		what string
		h    *format.SecretHeader
		at   time.Time
		want []StatusCondition
		when time.Time
	}{
		{"no rotation metadata, no default: ok", testStatusHeader("app/x", nil), statusT0.Add(1000 * statusDay), nil, time.Time{}},
		{"a default with generate only gives no period", testStatusHeader("app/gen/x", nil), statusT0.Add(1000 * statusDay), nil, time.Time{}},

		// Overdue: created + every ≤ at (never rotated: age counts from created).
		{"never rotated, long before due", testStatusHeader("app/x", every30), statusT0.Add(statusDay), conds(StatusNever), statusT0.Add(30 * statusDay)},
		{"never rotated, one second before the look-ahead", testStatusHeader("app/x", every30), statusT0.Add(16*statusDay - time.Second), conds(StatusNever), statusT0.Add(30 * statusDay)},
		{"never rotated, exactly at the look-ahead: due", testStatusHeader("app/x", every30), statusT0.Add(16 * statusDay), conds(StatusDue, StatusNever), statusT0.Add(30 * statusDay)},
		{"one second before due: due, not overdue", testStatusHeader("app/x", every30), statusT0.Add(30*statusDay - time.Second), conds(StatusDue, StatusNever), statusT0.Add(30 * statusDay)},
		{"exactly at due: overdue", testStatusHeader("app/x", every30), statusT0.Add(30 * statusDay), conds(StatusOverdue, StatusNever), statusT0.Add(30 * statusDay)},
		{"a metadata change (updated, version 2) does not restart the clock", updated(testStatusHeader("app/x", every30), statusT0.Add(29*statusDay)), statusT0.Add(30 * statusDay), conds(StatusOverdue, StatusNever), statusT0.Add(30 * statusDay)},
		{"long after due: overdue", testStatusHeader("app/x", every30), statusT0.Add(3000 * statusDay), conds(StatusOverdue, StatusNever), statusT0.Add(30 * statusDay)},

		// Rotated: age counts from rotated.
		{"rotated, one second before due", testStatusHeader("app/x", rotated(statusT0.Add(100*statusDay), "30d")), statusT0.Add(130*statusDay - time.Second), conds(StatusDue), statusT0.Add(130 * statusDay)},
		{"rotated, exactly at due", testStatusHeader("app/x", rotated(statusT0.Add(100*statusDay), "30d")), statusT0.Add(130 * statusDay), conds(StatusOverdue), statusT0.Add(130 * statusDay)},
		{"rotated recently: ok, next due is its date", testStatusHeader("app/x", rotated(statusT0.Add(100*statusDay), "30d")), statusT0.Add(101 * statusDay), nil, statusT0.Add(130 * statusDay)},
		{"rotated without a period: ok", testStatusHeader("app/x", rotated(statusT0, "")), statusT0.Add(1000 * statusDay), nil, time.Time{}},

		// Defaults: first matching glob, header wins.
		{"default prod/db/** 30d (first match)", testStatusHeader("prod/db/password", nil), statusT0.Add(30 * statusDay), conds(StatusOverdue, StatusNever), statusT0.Add(30 * statusDay)},
		{"default prod/** 90d: not yet", testStatusHeader("prod/api/key", nil), statusT0.Add(30 * statusDay), conds(StatusNever), statusT0.Add(90 * statusDay)},
		{"default prod/** 90d: at due", testStatusHeader("prod/api/key", nil), statusT0.Add(90 * statusDay), conds(StatusOverdue, StatusNever), statusT0.Add(90 * statusDay)},
		{"header every beats the default", testStatusHeader("prod/db/password", &format.Rotation{Every: "1y"}), statusT0.Add(100 * statusDay), conds(StatusNever), statusT0.Add(365 * statusDay)},

		// Expiry: expired at expires ≤ at; expiring when at < expires ≤ at+within.
		{"expires one second later: expiring", testStatusHeader("app/x", expires(statusT0.Add(10*statusDay))), statusT0.Add(10*statusDay - time.Second), conds(StatusExpiring), statusT0.Add(10 * statusDay)},
		{"expires exactly now: expired", testStatusHeader("app/x", expires(statusT0.Add(10*statusDay))), statusT0.Add(10 * statusDay), conds(StatusExpired), statusT0.Add(10 * statusDay)},
		{"expires exactly at the end of the look-ahead: expiring", testStatusHeader("app/x", expires(statusT0.Add(14*statusDay))), statusT0, conds(StatusExpiring), statusT0.Add(14 * statusDay)},
		{"expires one second after the look-ahead: ok", testStatusHeader("app/x", expires(statusT0.Add(14*statusDay+time.Second))), statusT0, nil, statusT0.Add(14*statusDay + time.Second)},

		// Exposed and pending.
		{"header says exposed", testStatusHeader("app/x", &format.Rotation{Exposed: "eve removed 2029-12-01"}), statusT0, conds(StatusExposed), time.Time{}},
		{"a reader the policy dropped: exposed and pending", withReaders(testStatusHeader("app/x", nil), "alice", "bob", "eve"), statusT0, conds(StatusExposed, StatusPending), time.Time{}},
		{"a reader the policy added: pending only", withReaders(testStatusHeader("app/x", nil), "alice"), statusT0, conds(StatusPending), time.Time{}},
		{"no rule any more: every reader dropped", withReaders(testStatusHeader("gone/x", nil), "alice"), statusT0, conds(StatusExposed, StatusPending), time.Time{}},

		// Half done.
		{"rotation pending", testStatusHeader("app/x", &format.Rotation{Pending: statusT0.Add(5 * statusDay)}), statusT0.Add(6 * statusDay), conds(StatusHalfDone), statusT0.Add(5 * statusDay)},

		// All at once, most urgent first; the date is the most urgent dated one.
		{"everything", withReaders(testStatusHeader("app/x", &format.Rotation{Every: "30d", Expires: statusT0.Add(40 * statusDay), Exposed: "x", Pending: statusT0}), "alice"),
			statusT0.Add(31 * statusDay), conds(StatusExposed, StatusOverdue, StatusExpiring, StatusNever, StatusPending, StatusHalfDone), time.Time{}},
		{"overdue and expiring: the date is the due date", testStatusHeader("app/x", &format.Rotation{Every: "30d", Expires: statusT0.Add(40 * statusDay)}),
			statusT0.Add(31 * statusDay), conds(StatusOverdue, StatusExpiring, StatusNever), statusT0.Add(30 * statusDay)},
	} {
		t.Run(c.what, func(t *testing.T) {
			s := evaluateSecret(c.h, p, statusClock{at: c.at, within: within}, signsExcept())
			if !slices.Equal(s.Conditions, c.want) {
				t.Errorf("conditions %v, want %v", s.Conditions, c.want)
			}
			if !s.When.Equal(c.when) {
				t.Errorf("when %v, want %v", s.When, c.when)
			}
		})
	}
}

func TestEvaluateSecretDetails(t *testing.T) {
	p := statusTestPolicy()
	clock := statusClock{at: statusT0, within: 14 * statusDay}

	s := evaluateSecret(testStatusHeader("prod/api/key", nil), p, clock, signsExcept())
	if s.Every != "90d" || s.EveryFrom != "prod/**" {
		t.Errorf("every %q from %q, want 90d from prod/**", s.Every, s.EveryFrom)
	}
	s = evaluateSecret(testStatusHeader("prod/api/key", &format.Rotation{Every: "7d"}), p, clock, signsExcept())
	if s.Every != "7d" || s.EveryFrom != "" {
		t.Errorf("every %q from %q, want 7d from the header", s.Every, s.EveryFrom)
	}

	// The policy now gives app/** to alice and carol: bob is dropped,
	// carol added, and eve (no member any more) is still in the header.
	h := testStatusHeader("app/x", &format.Rotation{Exposed: "eve removed 2029-12-01"})
	h.Readers = format.Names{"alice", "bob", "eve"}
	p2 := statusTestPolicy()
	p2.Rules[1].Read = format.Names{"alice", "carol"}
	s = evaluateSecret(h, p2, clock, signsExcept())
	if !slices.Equal(s.ReadersToAdd, []string{"carol"}) || !slices.Equal(s.ReadersToRemove, []string{"bob", "eve"}) {
		t.Errorf("add %v remove %v, want [carol] [bob eve]", s.ReadersToAdd, s.ReadersToRemove)
	}
	if len(s.Exposed) != 2 || s.Exposed[0] != "eve removed 2029-12-01" || !strings.Contains(s.Exposed[1], "bob, eve can still decrypt it") {
		t.Errorf("exposed %q: want the header's reason first, then the dropped readers", s.Exposed)
	}
	// Who can re-encrypt: readers of the file (alice, bob, eve) who write
	// app/** or are admins, are members, and can sign: alice and bob; eve
	// is no member.
	if !slices.Equal(s.CanReencrypt, []string{"alice", "bob"}) {
		t.Errorf("can re-encrypt %v, want [alice bob]", s.CanReencrypt)
	}
	s = evaluateSecret(h, p2, clock, signsExcept("bob"))
	if !slices.Equal(s.CanReencrypt, []string{"alice"}) {
		t.Errorf("can re-encrypt %v, want [alice] (bob's key cannot sign)", s.CanReencrypt)
	}

	// ops/**: carol is an admin but no writer; she can re-encrypt when she
	// reads the file and can sign.
	h = testStatusHeader("ops/x", nil)
	h.Readers = format.Names{"carol", "dave"}
	s = evaluateSecret(h, p, clock, signsExcept())
	if !slices.Equal(s.CanReencrypt, []string{"carol"}) {
		t.Errorf("can re-encrypt %v, want [carol] (admin reader; dave neither writes nor administers)", s.CanReencrypt)
	}
	s = evaluateSecret(h, p, clock, signsExcept("carol"))
	if len(s.CanReencrypt) != 0 {
		t.Errorf("can re-encrypt %v, want nobody", s.CanReencrypt)
	}
	// Nothing pending: nobody is listed.
	s = evaluateSecret(testStatusHeader("ops/x", nil), p, clock, signsExcept())
	if s.CanReencrypt != nil || s.Has(StatusPending) {
		t.Errorf("a secret whose readers match lists re-encrypters %v / pending", s.CanReencrypt)
	}
}

func TestSortStatuses(t *testing.T) {
	d := func(n int) time.Time { return statusT0.Add(time.Duration(n) * statusDay) }
	list := []SecretStatus{
		{Name: "ok-later", When: d(9)},
		{Name: "ok-undated"},
		{Name: "ok-sooner", When: d(3)},
		{Name: "pending-b", Conditions: conds(StatusPending)},
		{Name: "overdue-late", Conditions: conds(StatusOverdue), When: d(5)},
		{Name: "exposed-z", Conditions: conds(StatusExposed, StatusOverdue), When: time.Time{}},
		{Name: "overdue-b", Conditions: conds(StatusOverdue), When: d(1)},
		{Name: "overdue-a", Conditions: conds(StatusOverdue, StatusNever), When: d(1)},
		{Name: "exposed-a", Conditions: conds(StatusExposed)},
		{Name: "unverified", Conditions: conds(StatusUnverified)},
		{Name: "half", Conditions: conds(StatusHalfDone), When: d(2)},
		{Name: "expired", Conditions: conds(StatusExpired), When: d(7)},
	}
	sortStatuses(list)
	var got []string
	for _, s := range list {
		got = append(got, s.Name)
	}
	want := []string{"unverified", "exposed-a", "exposed-z", "expired", "overdue-a", "overdue-b", "overdue-late", "pending-b", "half", "ok-sooner", "ok-later", "ok-undated"}
	if !slices.Equal(got, want) {
		t.Errorf("order\n got %v\nwant %v", got, want)
	}
}

func TestParseStatusConditions(t *testing.T) {
	got, err := ParseStatusConditions("overdue, exposed,overdue,half-done")
	if err != nil || !slices.Equal(got, conds(StatusOverdue, StatusExposed, StatusHalfDone)) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, all := range FailOnConditions() {
		if c, err := ParseStatusConditions(all.String()); err != nil || c[0] != all {
			t.Errorf("%s does not read back: %v %v", all, c, err)
		}
	}
	for _, bad := range []string{"", "overdue,", "unverified", "Overdue", "late", "ok"} {
		if _, err := ParseStatusConditions(bad); err == nil {
			t.Errorf("ParseStatusConditions(%q) accepted", bad)
		}
	}
}

func TestStatusReportFailOn(t *testing.T) {
	rep := &StatusReport{Secrets: []SecretStatus{
		{Name: "a", Conditions: conds(StatusExposed, StatusOverdue)},
		{Name: "b", Conditions: conds(StatusOverdue)},
		{Name: "c", Conditions: conds(StatusNever)},
		{Name: "d"},
	}}
	if err := rep.FailOn(conds(StatusExpired, StatusPending)); err != nil {
		t.Errorf("no listed condition holds, got %v", err)
	}
	err := rep.FailOn(conds(StatusOverdue, StatusExposed, StatusExpired))
	if !errors.Is(err, ErrStatus) || err.Error() != "2 secrets are exposed or overdue" {
		t.Errorf("got %v", err)
	}
	err = rep.FailOn(conds(StatusNever))
	if !errors.Is(err, ErrStatus) || err.Error() != "1 secret is never rotated" {
		t.Errorf("got %v", err)
	}
	if rep.Count(StatusOverdue) != 2 || rep.CountOK() != 1 {
		t.Errorf("counts %d overdue, %d ok", rep.Count(StatusOverdue), rep.CountOK())
	}
	if rep.Unverified() != nil {
		t.Error("no unverified secret, but an error")
	}
	rep.Secrets = append(rep.Secrets, SecretStatus{Name: "e", Conditions: conds(StatusUnverified)})
	if err := rep.Unverified(); !errors.Is(err, ErrVerify) {
		t.Errorf("an unverified secret: %v", err)
	}
}

// FuzzParseStatusConditions: --fail-on never panics; what it accepts is a
// list of known, distinct conditions whose names read back the same; what
// it refuses is named in at most a short excerpt.
func FuzzParseStatusConditions(f *testing.F) {
	for _, s := range []string{"overdue", "overdue,exposed", " due , never ", "half-done,half-done", "", ",", "unverified", "late", strings.Repeat("x", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseStatusConditions(s)
		if err != nil {
			if len(err.Error()) > 150 {
				t.Fatalf("error too long (echoes the input?): %q", err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("ParseStatusConditions(%q) accepted nothing", s)
		}
		var names []string
		for _, c := range got {
			if !slices.Contains(FailOnConditions(), c) {
				t.Fatalf("ParseStatusConditions(%q) gave %v, not a --fail-on condition", s, c)
			}
			names = append(names, c.String())
		}
		again, err := ParseStatusConditions(strings.Join(names, ","))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("%q: %v does not read back: %v %v", s, got, again, err)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
			t.Fatalf("%q: duplicates in %v", s, got)
		}
	})
}
