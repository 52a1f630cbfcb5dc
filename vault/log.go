package vault

import (
	"fmt"
	"sort"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// A LogEntry is one journal entry as people read the audit trail.
type LogEntry struct {
	Seq     int       `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Target  string    `json:"target,omitempty"`
	From    string    `json:"from,omitempty"`
	Version int       `json:"version,omitempty"`
	Change  string    `json:"change,omitempty"`
	Files   []string  `json:"files,omitempty"`
	Entry   string    `json:"entry"`
}

// CheckJournal checks the journal as reads do: from the state this clone
// verified last when the journal has not changed since, else by verifying
// it. It fails with ErrVerify when the journal does not verify.
// Entries Log could not read or parse fail it too: the state verified
// before vouches for the entries reads depend on, not for every entry of
// the trail.
func (v *Vault) CheckJournal() error {
	if len(v.logProblems) > 0 {
		more := ""
		if len(v.logProblems) > 1 {
			more = fmt.Sprintf(" (and %d more problems)", len(v.logProblems)-1)
		}
		return problemf(ErrVerify, "run tresor verify for the full report", "the journal does not verify: %s%s", v.logProblems[0], more)
	}
	_, err := v.verifiedForRead()
	return err
}

// Log returns the journal in order (seq, then hash), limited to entries
// that touch name (when not empty) and are not older than since.
func (v *Vault) Log(name string, since time.Time) ([]LogEntry, error) {
	v.logProblems = nil
	nodes, err := v.loadEntries(func(check int, entry, file, format string, args ...any) {
		v.logProblems = append(v.logProblems, Finding{Check: check, Entry: entry, File: file, Message: fmt.Sprintf(format, args...)})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(nodes, func(i, j int) bool {
		if nodes[i].entry.Seq != nodes[j].entry.Seq {
			return nodes[i].entry.Seq < nodes[j].entry.Seq
		}
		return nodes[i].hash < nodes[j].hash
	})
	// An entry counts as no older than its parents for --since, whatever
	// time it claims: a backdated entry (which verify reports) must not
	// hide from the recent audit trail.
	byHash := make(map[string]*vnode, len(nodes))
	effective := make(map[*vnode]time.Time, len(nodes))
	for _, n := range nodes {
		byHash[n.hash] = n
	}
	out := []LogEntry{}
	for _, n := range nodes {
		e := n.entry
		t := e.Time
		for _, p := range e.Parents {
			if pn := byHash[p]; pn != nil && effective[pn].After(t) {
				t = effective[pn]
			}
		}
		effective[n] = t
		if t.Before(since) {
			continue
		}
		writes := writesOf(e)
		if name != "" {
			if _, ok := writes[name]; !ok {
				continue
			}
		}
		le := LogEntry{Seq: e.Seq, Time: e.Time, Actor: e.Actor, Action: e.Action, Target: e.Target, Entry: n.file}
		if d := e.Details; d != nil {
			le.From, le.Version, le.Change = d.From, d.Version, d.Change
			if e.Action == format.ActionReencrypt {
				for f := range d.Files {
					le.Files = append(le.Files, f)
				}
				sort.Strings(le.Files)
			}
		}
		out = append(out, le)
	}
	return out, nil
}
