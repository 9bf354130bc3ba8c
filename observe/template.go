package observe

import (
	"strings"
)

// Homes are the folders taken for a home folder, each as a prefix
// followed by one component that names the user (none for "/root" and
// the sandbox's home): the folder becomes "~".
var homes = []struct {
	prefix string
	user   bool
}{
	{"/run/detector/home", false}, // the sandbox's home and working folder
	{"/root", false},
	{"/home/", true},
}

// Template generalises a path so that the same work done twice gives the
// same string: a home folder becomes "~"; in each component a run of 4 or
// more digits, or of 8 or more hexadecimal digits among which at least one
// digit, becomes "#"; a component that is all digits (a pid in /proc/PID)
// becomes "#"; a component of a temporary folder (/tmp, /var/tmp, /dev/shm,
// ~/tmp) that looks random (mktemp's tmp.XXXXXXXXXX, 6 or more letters
// and digits mixed) becomes "*". A relative path keeps its "./". The result
// is at most MaxPathLen bytes (cut ones end in "...").
func Template(p string) string {
	if p == "" {
		return ""
	}
	for _, h := range homes {
		if !strings.HasPrefix(p, h.prefix) {
			continue
		}
		rest := p[len(h.prefix):]
		if h.user {
			i := strings.IndexByte(rest, '/')
			if rest == "" || i == 0 {
				break
			}
			if i < 0 {
				rest = ""
			} else {
				rest = rest[i:]
			}
		} else if rest != "" && rest[0] != '/' {
			continue
		}
		p = "~" + rest
		break
	}
	parts := strings.Split(p, "/")
	temp := false
	for i, c := range parts {
		if temp && looksRandom(c) {
			parts[i] = "*"
			continue
		}
		parts[i] = numbers(c)
		if c == "tmp" || c == "shm" {
			temp = true
		}
	}
	out := strings.Join(parts, "/")
	if len(out) > MaxPathLen {
		out = out[:MaxPathLen-3] + "..."
	}
	return out
}

// numbers replaces the number-like parts of a path component with "#".
func numbers(c string) string {
	if c == "" {
		return c
	}
	all := true
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			all = false
			break
		}
	}
	if all {
		return "#"
	}
	var b strings.Builder
	for i := 0; i < len(c); {
		j, digits := i, 0
		for j < len(c) && isHex(c[j]) {
			if c[j] >= '0' && c[j] <= '9' {
				digits++
			}
			j++
		}
		run := j - i
		allDigits := digits == run
		if run > 0 && digits > 0 && (allDigits && run >= 4 || run >= 8) && boundary(c, i, j) {
			b.WriteByte('#')
			i = j
			continue
		}
		if run == 0 {
			j = i + 1
		}
		b.WriteString(c[i:j])
		i = j
	}
	return b.String()
}

// boundary reports whether c[i:j] is not part of a longer word: the
// characters around it are not letters.
func boundary(c string, i, j int) bool {
	letter := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	return (i == 0 || !letter(c[i-1])) && (j == len(c) || !letter(c[j]))
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

// looksRandom reports whether a temporary folder's entry has a generated
// name: 6 or more characters mixing letters and digits, or mktemp's
// "tmp." followed by anything.
func looksRandom(c string) bool {
	if strings.HasPrefix(c, "tmp.") || strings.HasPrefix(c, "tmp") && len(c) > 6 {
		return true
	}
	letters, digits, upper := 0, 0, 0
	for i := 0; i < len(c); i++ {
		switch b := c[i]; {
		case b >= '0' && b <= '9':
			digits++
		case b >= 'A' && b <= 'Z':
			upper++
			letters++
		case b >= 'a' && b <= 'z':
			letters++
		}
	}
	return len(c) >= 6 && letters > 0 && (digits > 0 || upper > 0 && upper < letters)
}
