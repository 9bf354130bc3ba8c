package samples

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// MaxDecompressed bounds what one compressed file may expand to. Reading
// streams, so the bound is not about memory but about time: a small
// crafted file ("a decompression bomb") cannot keep a run busy for hours.
const MaxDecompressed = 16 << 30

// decompressLimit is MaxDecompressed; tests lower it.
var decompressLimit int64 = MaxDecompressed

// ErrTooLarge is returned when a compressed file expands past
// MaxDecompressed.
var ErrTooLarge = fmt.Errorf("decompressed data exceeds %d GiB", MaxDecompressed>>30)

// compression returns the suffix naming the compression of a recorded
// trace (".gz", ".zst" or ".xz"), or "".
func compression(name string) string {
	for _, s := range []string{".gz", ".zst", ".xz"} {
		if strings.HasSuffix(strings.ToLower(name), s) {
			return s
		}
	}
	return ""
}

// uncompressedName is name without its compression suffix.
func uncompressedName(name string) string {
	return name[:len(name)-len(compression(name))]
}

// decompress wraps r, the content of the file name, in the decompressor
// its suffix names (r itself when it has none), bounded by
// MaxDecompressed. The returned closer releases the decompressor.
func decompress(name string, r io.Reader) (io.Reader, func(), error) {
	var d io.Reader
	done := func() {}
	switch compression(name) {
	case "":
		return r, done, nil
	case ".gz":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, done, fmt.Errorf("gzip: %w", err)
		}
		d, done = z, func() { z.Close() }
	case ".zst":
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, done, fmt.Errorf("zstd: %w", err)
		}
		d, done = z, z.Close
	case ".xz":
		z, err := xz.NewReader(r)
		if err != nil {
			return nil, done, fmt.Errorf("xz: %w", err)
		}
		d = z
	}
	return &boundedReader{r: d, left: decompressLimit}, done, nil
}

// boundedReader fails with ErrTooLarge past its limit.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells an exact fit from an overflow.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("truncated compressed data: %w", err)
	}
	return n, err
}

// compressedName reports whether name is a compressed file's.
func compressedName(name string) bool { return compression(name) != "" }
