package vault

// GetPrevious returns the value secret name had before its last rotation
// (tresor get --previous), kept in its envelope until the next rotation
// replaces it.
func (v *Vault) GetPrevious(name string) ([]byte, *Secret, error) {
	// Get makes every check a read makes (the journal, the file's hash,
	// conflicts, access) and logs the access; the envelope is then read
	// from the file it checked.
	if _, _, err := v.Get(name); err != nil {
		return nil, nil, err
	}
	st, err := v.verifiedForRead(name)
	if err != nil {
		return nil, nil, err
	}
	sf, err := v.readCheckedSecret(name, st)
	if err != nil {
		return nil, nil, err
	}
	p, err := v.openPayload(sf)
	if err != nil {
		return nil, nil, err
	}
	if p.Previous == nil {
		return nil, nil, problemf(ErrNotFound, "a previous value is kept from the next tresor rotate "+name+" on",
			"%s has no previous value: it was never rotated, or was set since", name)
	}
	return p.Previous, &sf.Header, nil
}
