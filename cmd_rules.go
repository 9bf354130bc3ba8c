package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/mattn/go-runewidth"
	"github.com/urfave/cli/v2"

	"detector/report"
	"detector/rules"
)

func rulesCommand() *cli.Command {
	cmd := &cli.Command{
		Name:  "rules",
		Usage: "list, check and show the behaviour rules",
		Description: "The default rules are embedded; --rules FILE adds or overrides rules by id (later files win), " +
			"--rules off disables them. The README's Rules section describes the file format.",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list the effective rules, or with --attack their MITRE ATT&CK coverage", Flags: append(rulesFlags(),
				&cli.BoolFlag{Name: "attack", Usage: "print the tactic x technique coverage of the enabled rules: one row per ATT&CK Enterprise tactic, each technique with the ids of the rules that claim it"},
				&cli.StringFlag{Name: "output", Value: "table", Usage: "`FORMAT`: table or json"},
			), Action: runRulesList},
			{Name: "check", Usage: "run every rule's match and nomatch examples, read the allow-lists and warn of ATT&CK ids and tactics that do not fit; exit 2 naming the first example that fails", Flags: rulesFlags(), Action: runRulesCheck},
			{Name: "show", Usage: "show one rule", ArgsUsage: "ID", Flags: rulesFlags(), Action: runRulesShow},
			{Name: "fields", Usage: "list the fields conditions may name", Action: runRulesFields},
		},
	}
	for _, sub := range cmd.Subcommands {
		sub.OnUsageError = func(c *cli.Context, err error, _ bool) error {
			return withHint(err, fmt.Sprintf("run 'detector rules %s --help' for usage", c.Command.Name))
		}
	}
	return cmd
}

func runRulesList(c *cli.Context) error {
	format := c.String("output")
	if format != "table" && format != "json" {
		return withHint(fmt.Errorf("unknown --output %q", format), "rules list --output takes table or json")
	}
	set, _, err := loadRules(c)
	if err != nil {
		return err
	}
	if c.Bool("attack") {
		if format == "json" {
			return writeJSON(os.Stdout, attackJSON{Tactics: set.Coverage()})
		}
		_, err = io.WriteString(os.Stdout, attackMatrix(set.Coverage(), tableWidth()))
		return err
	}
	if format == "json" {
		out := []ruleJSON{}
		for _, r := range set.Rules() {
			out = append(out, ruleJSON{ID: r.ID, Severity: r.Severity.String(), Enabled: r.Enabled, Description: r.Description,
				Tags: r.Tags, Tactics: r.Tactics, Syscalls: r.Syscalls, File: r.File, Line: r.Line})
		}
		return writeJSON(os.Stdout, out)
	}
	cols := tableWidth()
	idW, sevW := width("ID"), width("SEVERITY")
	for _, r := range set.Rules() {
		idW, sevW = max(idW, width(r.ID)), max(sevW, width(r.Severity.String()))
	}
	// The description wraps in the room beside the id and severity; when
	// that room is too narrow, below them.
	descAt := idW + 2 + sevW + 2
	below := cols-descAt < minDescription
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-*s  DESCRIPTION\n", idW, "ID", sevW, "SEVERITY")
	for _, r := range set.Rules() {
		sev := r.Severity.String()
		if !r.Enabled {
			sev = "off"
		}
		head := fmt.Sprintf("%-*s  %-*s  ", idW, report.Escape(r.ID), sevW, sev)
		if below {
			b.WriteString(strings.TrimRight(head, " ") + "\n")
			b.WriteString(report.Wrap(report.Escape(r.Description), "    ", "    ", cols))
		} else {
			b.WriteString(report.Wrap(report.Escape(r.Description), head, strings.Repeat(" ", descAt), cols))
		}
	}
	b.WriteString("\n" + report.Wrap("arguments decoded for: "+strings.Join(set.DecodedCalls(), " ")+" (every other call costs one lookup)", "", "  ", cols))
	_, err = io.WriteString(os.Stdout, b.String())
	return err
}

// ruleJSON is a rule as rules list --output json prints it.
type ruleJSON struct {
	ID          string   `json:"id"`
	Severity    string   `json:"severity"`
	Enabled     bool     `json:"enabled"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Tactics     []string `json:"tactics"`
	Syscalls    []string `json:"syscalls"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
}

// attackJSON is rules list --attack --output json.
type attackJSON struct {
	Tactics []rules.TacticCoverage `json:"tactics"`
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// attackMatrix writes the coverage matrix for people: a heading per
// tactic with its counts, then a line per technique (id, name, and the
// ids of its rules), wrapped to cols; a tactic no rule covers says so.
func attackMatrix(rows []rules.TacticCoverage, cols int) string {
	idW := width("T0000.000")
	var b strings.Builder
	covered, techs := 0, map[string]bool{}
	for _, row := range rows {
		ids := map[string]bool{}
		for _, tc := range row.Techniques {
			techs[tc.ID] = true
			for _, r := range tc.Rules {
				ids[r] = true
			}
		}
		head := fmt.Sprintf("%s (%s): ", strings.ToUpper(row.Name), row.ID)
		if len(row.Techniques) == 0 {
			b.WriteString(report.Wrap("no rule", head, "    ", cols))
			continue
		}
		covered++
		b.WriteString(report.Wrap(fmt.Sprintf("%d techniques, %d rules", len(row.Techniques), len(ids)), head, "    ", cols))
		for _, tc := range row.Techniques {
			// The rules, then the technique's own name (a sub-technique's
			// part after the colon) as a reminder.
			name := tc.Name
			if i := strings.LastIndex(name, ": "); i >= 0 {
				name = name[i+2:]
			}
			if name == "" {
				name = "not in the catalogue"
			}
			first := fmt.Sprintf("  %-*s  ", idW, tc.ID)
			b.WriteString(report.Wrap(report.Escape(strings.Join(tc.Rules, ", ")+" ("+name+")"), first, strings.Repeat(" ", len(first)), cols))
		}
	}
	fmt.Fprintf(&b, "\n%d of %d tactics covered, %d techniques\n", covered, len(rows), len(techs))
	return b.String()
}

// minDescription is the narrowest room rules list wraps a description in
// beside its id.
const minDescription = 30

// width is the number of terminal columns s takes.
func width(s string) int { return runewidth.StringWidth(s) }

func runRulesCheck(c *cli.Context) error {
	set, allow, err := loadRules(c)
	if err != nil {
		return err
	}
	fails, n := set.CheckExamples()
	for _, f := range fails[min(1, len(fails)):] {
		warnf("%v", f)
	}
	if len(fails) > 0 {
		return withHint(fails[0], fmt.Sprintf("%d of %d examples fail; 'detector rules show %s' shows the rule", len(fails), n, fails[0].Rule))
	}
	// ATT&CK data is checked but does not fail the check: a rule of one's
	// own may name a technique the catalogue lacks.
	attack := set.AttackProblems()
	for _, p := range attack {
		warnf("%s", p)
	}
	fmt.Printf("%d rules, %d examples, all as expected; %d allow-list entries; %d ATT&CK warnings\n", len(set.Active()), n, allow.Len(), len(attack))
	return nil
}

func runRulesShow(c *cli.Context) error {
	if c.NArg() != 1 {
		return withHint(fmt.Errorf("rules show needs one rule id"), "run 'detector rules list' for the ids")
	}
	set, _, err := loadRules(c)
	if err != nil {
		return err
	}
	r := set.Rule(c.Args().First())
	if r == nil {
		return withHint(fmt.Errorf("no rule %q", c.Args().First()), "run 'detector rules list' for the ids")
	}
	cols := tableWidth()
	var b strings.Builder
	field := func(name, value string) {
		b.WriteString(report.Wrap(report.Escape(value), name+": ", "    ", cols))
	}
	field("id", r.ID)
	field("severity", r.Severity.String())
	field("enabled", fmt.Sprint(r.Enabled))
	field("defined", fmt.Sprintf("%s:%d", r.File, r.Line))
	field("description", r.Description)
	field("tags", strings.Join(r.Tags, ", "))
	field("tactics", strings.Join(r.Tactics, ", "))
	field("falsepositives", strings.Join(r.FalsePositives, "; "))
	field("syscalls", strings.Join(r.Syscalls, ", "))
	if r.Window != nil {
		w := fmt.Sprintf("%d", r.Window.Count)
		if r.Window.Distinct != "" {
			w += " distinct " + r.Window.Distinct
		}
		field("window", w+" within "+r.Window.Within.String())
	}
	if r.Output != "" {
		field("output", r.Output)
	}
	b.WriteString("condition:\n")
	for _, l := range strings.Split(strings.TrimRight(r.ConditionYAML(), "\n"), "\n") {
		// A wrapped line keeps its indentation, and four more.
		body := strings.TrimLeft(l, " ")
		ind := "  " + l[:len(l)-len(body)]
		b.WriteString(report.Wrap(report.Escape(body), ind, ind+"    ", cols))
	}
	fmt.Fprintf(&b, "examples: %d match, %d nomatch\n", len(r.Examples.Match), len(r.Examples.NoMatch))
	_, err = io.WriteString(os.Stdout, b.String())
	return err
}

func runRulesFields(c *cli.Context) error {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FIELD\tTYPE\tMATCHERS\tMEANING")
	for _, f := range rules.Fields() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", f.Name, f.Type, strings.Join(rules.Matchers(f.Type), ","), f.Doc)
	}
	return w.Flush()
}

func indent(s, pre string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(pre + l)
		}
	}
	return b.String()
}
