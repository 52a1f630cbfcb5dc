package vault

// GetPrevious returns the value secret name had before its last rotation
// (tresor get --previous), kept in its envelope until the next rotation
// replaces it. The file is read, checked and decrypted once, as by Get.
func (v *Vault) GetPrevious(name string) ([]byte, *Secret, error) {
	p, h, err := v.getPayload(name)
	if err != nil {
		return nil, nil, err
	}
	if p.Previous == nil {
		return nil, nil, problemf(ErrNotFound, "a previous value is kept from the next tresor rotate "+name+" on",
			"%s has no previous value: it was never rotated, or was set since", name)
	}
	return p.Previous, h, nil
}
