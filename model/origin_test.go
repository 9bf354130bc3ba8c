package model

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func hostOrigin(host string) *Origin {
	return &Origin{Host: host, Source: "ebpf", Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour}
}

// A model's origin survives saving and loading; a model without one loads
// without one.
func TestOriginRoundTrip(t *testing.T) {
	for _, o := range []*Origin{nil, hostOrigin("build-7")} {
		m := trained(t, LOF)
		m.Origin = o
		var buf bytes.Buffer
		if err := Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		got, err := Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if (got.Origin == nil) != (o == nil) || o != nil && *got.Origin != *o {
			t.Errorf("origin %+v came back as %+v", o, got.Origin)
		}
	}
}

// A crafted origin (a file with a valid checksum) is refused: a host name
// that is empty, too long or not UTF-8, an unknown source, a negative or
// absurd duration.
func TestDecodeRejectsBadOrigin(t *testing.T) {
	bad := map[string]*Origin{
		"empty host":    {Host: "", Source: "ebpf"},
		"long host":     {Host: strings.Repeat("h", MaxOriginHost+1), Source: "ebpf"},
		"binary host":   {Host: "a\xff", Source: "ebpf"},
		"source":        {Host: "a", Source: "proc"},
		"negative":      {Host: "a", Source: "strace", Duration: -time.Second},
		"absurd length": {Host: "a", Source: "strace", Duration: 1 << 62},
	}
	for name, o := range bad {
		data := resealed(t, trained(t, LOF), func(_ *header, b *body) { b.Origin = o })
		if _, err := Decode(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), "origin") {
			t.Errorf("%s: Decode gave %v, want an error about the origin", name, err)
		}
	}
}

// Host-learned models merge into one of all their hosts; a host-learned
// model and one trained on sandboxed runs do not merge.
func TestMergeOrigins(t *testing.T) {
	o, err := mergeOrigins(hostOrigin("a"), hostOrigin("b"))
	if err != nil || o.Host != "a, b" || o.Duration != 48*time.Hour || o.Source != "ebpf" {
		t.Fatalf("merged origin %+v, %v", o, err)
	}
	o2, err := mergeOrigins(o, hostOrigin("b"))
	if err != nil || o2.Host != "a, b" {
		t.Fatalf("merging a host again gave %+v, %v", o2, err)
	}
	s := hostOrigin("c")
	s.Source = "strace"
	if o3, _ := mergeOrigins(o2, s); o3.Source != "ebpf,strace" || o3.Host != "a, b, c" {
		t.Errorf("merged sources and hosts %+v", o3)
	}
	if o, err := mergeOrigins(nil, nil); o != nil || err != nil {
		t.Errorf("two sandbox models: origin %+v, %v", o, err)
	}
	for _, pair := range [][2]*Origin{{hostOrigin("a"), nil}, {nil, hostOrigin("a")}} {
		if _, err := mergeOrigins(pair[0], pair[1]); !errors.Is(err, ErrNotMergeable) {
			t.Errorf("host and sandbox models: %v, want ErrNotMergeable", err)
		}
	}
}
