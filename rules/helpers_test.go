package rules_test

import (
	"strings"
	"testing"

	"detector/rules"
	"detector/trace"
)

func parseInto(t testing.TB, e *rules.Engine, text string) {
	t.Helper()
	st, err := trace.ParseEvents(strings.NewReader(text), e.Event)
	if err != nil || st.Skipped != 0 {
		t.Fatalf("parse %q: %+v %v", text, st, err)
	}
}
