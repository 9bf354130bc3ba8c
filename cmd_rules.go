package main

import (
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
			{Name: "list", Usage: "list the effective rules", Flags: rulesFlags(), Action: runRulesList},
			{Name: "check", Usage: "run every rule's match and nomatch examples and read the allow-lists; exit 2 naming the first example that fails", Flags: rulesFlags(), Action: runRulesCheck},
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
	set, _, err := loadRules(c)
	if err != nil {
		return err
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
	fmt.Printf("%d rules, %d examples, all as expected; %d allow-list entries\n", len(set.Active()), n, allow.Len())
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
