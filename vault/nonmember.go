package vault

import "github.com/tresor-dev/tresor/crypto"

// A non-member (a newcomer whose card no admin has added yet, or someone
// using the wrong key) gets the same message from every command: reads
// (get, edit, exec, env) with exit 4 as any identity that cannot decrypt,
// writes (set, rm, mv, reencrypt, member, policy) with exit 1 as any change
// the policy refuses. The hint is the card workflow, not the card itself: a
// post-quantum card is two thousand characters that would bury the message.

// NotMemberHint says how a newcomer becomes a member.
const NotMemberHint = "send what tresor whoami --card prints to an admin of this vault, who adds you with tresor member add NAME --card CARD and then runs tresor reencrypt"

// notMemberError says that the current identity is no member of the vault;
// class is ErrNoAccess for reads and ErrDenied for writes.
func (v *Vault) notMemberError(class error) error {
	return problemf(class, NotMemberHint, "your identity (%s) is not a member of this vault", crypto.ShortRecipient(v.identity.Recipient()))
}

// isNonMember reports whether the policy names no member with this
// identity's recipient. It is false when that cannot be told (no identity,
// or a plugin identity whose file does not say its recipient).
func (v *Vault) isNonMember() bool {
	mine := v.myMembers()
	return mine != nil && len(mine) == 0
}

// IsMember reports whether the policy names a member with this identity's
// recipient (or cannot tell: a plugin identity whose file does not say its
// recipient is given the benefit of the doubt).
func (v *Vault) IsMember() bool { return !v.isNonMember() }
