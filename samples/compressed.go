package samples

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"detector/hint"
)

// MaxDecompressed bounds what one compressed file may expand to. Reading
// streams, so the bound is not about memory but about time: a small
// crafted file ("a decompression bomb") cannot keep a run busy for hours.
const MaxDecompressed = 16 << 30

// decompressLimit is MaxDecompressed; tests lower it.
var decompressLimit int64 = MaxDecompressed

// ErrTooLarge is returned (wrapped, with the bound) when a recorded trace
// holds more than a trace may: more than the run's trace cap
// (DefaultMaxTrace unless --max-trace says otherwise), as a file or once
// decompressed, or a compressed file that expands past MaxDecompressed.
var ErrTooLarge = errors.New("trace too large")

// DefaultMaxTrace bounds a recorded trace (an strace log, an ADFA-LD
// trace, plain or decompressed) as the default --max-trace bounds the log
// of a run: 256 MiB. A file larger than that is refused at once, without
// being read.
const DefaultMaxTrace = 256 << 20

// tooLarge is ErrTooLarge with its bound, for people.
func tooLarge(limit int64) error {
	return hint.Wrap(fmt.Errorf("%w: more than --max-trace (%s)", ErrTooLarge, sizeText(limit)), "raise --max-trace to read a larger trace")
}

// sizeText writes n bytes in the largest binary unit that divides it.
func sizeText(n int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

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
	return decompressMax(name, r, decompressLimit)
}

// decompressMax is decompress bounded by limit (and MaxDecompressed), for
// plain files too.
func decompressMax(name string, r io.Reader, limit int64) (io.Reader, func(), error) {
	var d io.Reader
	done := func() {}
	limit = min(limit, decompressLimit)
	switch compression(name) {
	case "":
		return &boundedReader{r: r, left: limit, limit: limit}, done, nil
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
	return &boundedReader{r: d, left: limit, limit: limit}, done, nil
}

// boundedReader fails with ErrTooLarge past its limit.
type boundedReader struct {
	r           io.Reader
	left, limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells an exact fit from an overflow.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			return 0, tooLarge(b.limit)
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
