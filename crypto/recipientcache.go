package crypto

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"filippo.io/age"
	"filippo.io/age/agessh"
)

// Parsing a recipient costs more than using it: a post-quantum recipient
// is 1,900 characters of Bech32 and an ML-KEM key to check, and re-encrypting
// 2,000 secrets to 4 readers would parse each reader 2,000 times. Native
// recipients (X25519, hybrid, SSH) are parsed once per process and kept:
// they hold nothing but a public key and are safe for concurrent use.
// Plugin recipients are not kept, since they talk to a UI.
var (
	nativeCache     sync.Map // recipient string → age.Recipient
	nativeCacheSize atomic.Int32
)

// nativeCacheMax bounds the cache; a vault has a few hundred members at most.
const nativeCacheMax = 4096

// errNotNative: the recipient is not one of age's built-in kinds (it may
// be a plugin's).
var errNotNative = errors.New("not a native age recipient")

// nativeRecipient returns the parsed X25519, hybrid or SSH recipient s, or
// errNotNative.
func nativeRecipient(s string) (age.Recipient, error) {
	if r, ok := nativeCache.Load(s); ok {
		return r.(age.Recipient), nil
	}
	r, err := parseNative(s)
	if err != nil {
		return nil, err
	}
	if nativeCacheSize.Add(1) <= nativeCacheMax {
		nativeCache.Store(s, r)
	}
	return r, nil
}

func parseNative(s string) (age.Recipient, error) {
	switch {
	case strings.HasPrefix(s, "ssh-"):
		return agessh.ParseRecipient(s)
	case IsPostQuantum(s):
		return age.ParseHybridRecipient(s)
	case strings.HasPrefix(s, "age1"):
		if _, err := age.ParseX25519Recipient(s); err != nil {
			return nil, errNotNative
		}
		_, pub, err := decodeBech32(s)
		if err != nil {
			return nil, err
		}
		return newX25519Wrapper(pub)
	}
	return nil, errNotNative
}
