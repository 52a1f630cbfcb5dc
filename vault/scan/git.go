package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tresor-dev/tresor/vault"
)

// A File is a file's content to scan.
type File struct {
	// Path is relative to the work tree's top, with '/', for files from
	// git; as given otherwise.
	Path    string
	Content []byte
	// Added: a file new in the index (status A), as opposed to modified.
	Added bool
}

// A stagedBlob is one line of git diff --raw: a file added or modified in
// the index, and the blob that holds its staged content.
type stagedBlob struct {
	path  string
	blob  string
	added bool
}

// Staged returns the files added or modified in git's index of the work
// tree at top, as they are staged (not as the work tree has them): what the
// next commit would record. Submodules are not files and are left out.
func Staged(top string) ([]File, error) {
	out, err := vault.Git(top, nil, "diff", "--cached", "--raw", "--no-abbrev", "-z", "--no-renames", "--no-ext-diff", "--diff-filter=AM")
	if err != nil {
		return nil, err
	}
	blobs, err := parseRawDiff(out)
	if err != nil {
		return nil, err
	}
	if len(blobs) == 0 {
		return nil, nil
	}
	var req bytes.Buffer
	for _, b := range blobs {
		req.WriteString(b.blob + "\n")
	}
	out, err = vault.Git(top, &req, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	contents, err := parseBatch(out, len(blobs))
	if err != nil {
		return nil, err
	}
	files := make([]File, len(blobs))
	for i, b := range blobs {
		files[i] = File{Path: b.path, Content: contents[i], Added: b.added}
	}
	return files, nil
}

// Tracked returns git's tracked files in the work tree at top, with their
// content in the work tree. Files that are not regular there (deleted,
// symlinks, submodules) are left out.
func Tracked(top string) ([]File, error) {
	out, err := vault.Git(top, nil, "ls-files", "-z")
	if err != nil {
		return nil, err
	}
	var files []File
	for _, p := range strings.Split(string(out), "\x00") {
		if p == "" {
			continue
		}
		name := filepath.Join(top, filepath.FromSlash(p))
		if fi, err := os.Lstat(name); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		files = append(files, File{Path: p, Content: b})
	}
	return files, nil
}

// parseRawDiff parses git diff --raw -z output: for each file
// ":<old mode> <new mode> <old blob> <new blob> <status>" NUL <path> NUL.
func parseRawDiff(b []byte) ([]stagedBlob, error) {
	var blobs []stagedBlob
	fields := strings.Split(string(b), "\x00")
	if len(fields) > 0 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	if len(fields)%2 != 0 {
		return nil, errors.New("git diff --raw: unexpected output")
	}
	for i := 0; i < len(fields); i += 2 {
		meta, path := strings.Fields(strings.TrimPrefix(fields[i], ":")), fields[i+1]
		if !strings.HasPrefix(fields[i], ":") || len(meta) != 5 || path == "" {
			return nil, errors.New("git diff --raw: unexpected output")
		}
		mode, blob, status := meta[1], meta[3], meta[4]
		if !isHex(blob) || len(status) != 1 {
			return nil, errors.New("git diff --raw: unexpected output")
		}
		switch {
		case status != "A" && status != "M":
			continue
		case mode == "160000": // a submodule's commit
			continue
		}
		blobs = append(blobs, stagedBlob{path: path, blob: blob, added: status == "A"})
	}
	return blobs, nil
}

func isHex(s string) bool {
	if len(s) < 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// parseBatch parses n objects of git cat-file --batch output: for each
// "<blob> <type> <size>" LF <content> LF.
func parseBatch(b []byte, n int) ([][]byte, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	out := make([][]byte, 0, n)
	for range n {
		head, err := r.ReadString('\n')
		if err != nil {
			return nil, errors.New("git cat-file: output ends early")
		}
		f := strings.Fields(head)
		if len(f) != 3 || f[1] != "blob" {
			return nil, fmt.Errorf("git cat-file: not a blob: %q", strings.TrimSpace(head))
		}
		size, err := strconv.Atoi(f[2])
		if err != nil || size < 0 || size > len(b) {
			return nil, errors.New("git cat-file: bad size")
		}
		content := make([]byte, size+1)
		if _, err := io.ReadFull(r, content); err != nil || content[size] != '\n' {
			return nil, errors.New("git cat-file: output ends early")
		}
		out = append(out, content[:size])
	}
	return out, nil
}
