package main

import (
	"github.com/urfave/cli/v2"

	"detector/hint"
	"detector/rules"
)

// rulesFlags are the flags that choose the rules and allow-lists; detect
// shares them.
func rulesFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "rules", Usage: "load rule `FILE` over the defaults (repeatable; later files override rules by id; 'off' disables the rules)"},
		&cli.StringSliceFlag{Name: "allow", Usage: "load allow-list `FILE` (repeatable)"},
	}
}

// loadRules reads the rule set and allow-list the flags name.
func loadRules(c *cli.Context) (*rules.Set, *rules.AllowList, error) {
	set, err := rules.LoadFiles(c.StringSlice("rules"))
	if err != nil {
		return nil, nil, withHint(err, "run 'detector rules check --rules FILE' to test a rule file")
	}
	allow, err := rules.LoadAllowFiles(c.StringSlice("allow"), set)
	if err != nil {
		if hint.Of(err) != "" {
			return nil, nil, err // the list's own advice, e.g. a parent's path
		}
		return nil, nil, withHint(err, "the README's Rules section describes the allow-list format")
	}
	return set, allow, nil
}
