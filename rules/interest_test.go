package rules

import (
	"testing"
)

func TestOpenInterestDefault(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	p, e, dot, all := s.OpenInterest()
	t.Logf("prefixes %q exact %q dot %v all %v", p, e, dot, all)
}
