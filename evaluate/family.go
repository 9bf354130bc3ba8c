package evaluate

import (
	"path/filepath"
	"strings"
)

// Family returns the attack family of the sample file at path, found below
// the --attack root directory root.
//
// The family is the first path component of path below root, with one
// trailing "_<digits>" suffix removed: root "Attack_Data_Master" and path
// "Attack_Data_Master/Hydra_FTP_3/UTD-1.txt" give "Hydra_FTP".
//
// When that first component is the sample file itself (the file lies directly
// in root), its extension is removed first and then the "_<digits>" suffix:
// "attacks/webshell_2.txt" below "attacks" gives "webshell". When root is the
// sample file itself (path equals root), or path does not lie below root, the
// same rule applies to the base name of path.
//
// A suffix or extension is kept when removing it would leave an empty name
// ("_3" stays "_3", ".trace" stays ".trace"). Paths are cleaned lexically,
// without touching the file system. The result never contains a path
// separator; it is "" only when the name to use is not a file name ("", ".",
// ".." or the file-system root).
func Family(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fileFamily(filepath.Base(path))
	}
	first, rest, below := strings.Cut(rel, string(filepath.Separator))
	if !below || rest == "" {
		return fileFamily(first)
	}
	return trimNumber(first)
}

// fileFamily is the family of a sample file named name: the name without its
// extension and trailing "_<digits>".
func fileFamily(name string) string {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, filepath.Separator) {
		return ""
	}
	if stem := strings.TrimSuffix(name, filepath.Ext(name)); stem != "" {
		name = stem
	}
	return trimNumber(name)
}

// trimNumber removes one trailing "_<digits>" from name unless that would
// leave it empty.
func trimNumber(name string) string {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 || i == len(name)-1 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}
