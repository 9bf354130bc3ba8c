package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"

	"detector/internal/safefile"
)

// fileSHA256 is the hex SHA-256 of the regular file at path, or "" when it
// cannot be read (it is opened without blocking: see safefile).
func fileSHA256(path string) string {
	f, err := safefile.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
