package vault

import (
	"github.com/tresor-dev/tresor/crypto"

	"os"
	"strings"
	"time"
)

// accessLog is where reads are recorded on the reading machine. Reads
// cannot be enforced offline; the log lets a member see what this machine
// decrypted, and when. It is per-clone state, never in the work tree.
const accessLog = "access.log"

// logAccess appends one line: time, member, what, secret names. Names only,
// never values. A failure to log does not fail the read: the log is a
// record for the machine's owner, not a control.
func (v *Vault) logAccess(what string, names []string) {
	if len(names) == 0 {
		return
	}
	// The member by recipient alone: checking the signer as a write does
	// would derive the signing key, which a read does not need.
	who := "recipient:" + crypto.ShortRecipient(v.identity.Recipient())
	for name, m := range v.Policy.Members {
		if m.Recipient == v.identity.Recipient() {
			who = name
			break
		}
	}
	line := v.now().UTC().Format(time.RFC3339) + " " + who + " " + what + " " + strings.Join(names, " ") + "\n"
	st, err := v.state()
	if err != nil {
		return
	}
	f, err := st.openFile(accessLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return
	}
	f.WriteString(line)
	f.Close()
}
