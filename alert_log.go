package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"detector/logsink"
	"detector/rules"
)

// alertLogFlags are the flags of the SIEM alert log; detect shares them.
func alertLogFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log", Usage: "append one JSON line per alert to `FILE` (- for standard output; created with mode 0600), or send each record to journal, syslog (the local socket), syslog:udp://HOST:PORT or syslog:tcp://HOST:PORT (RFC 5424)"},
		&cli.DurationFlag{Name: "cooldown", Value: rules.DefaultCooldown, Usage: "log the same rule on the same sample once per `WINDOW`, then one summary with the count"},
	}
}

// openAlertLog opens the log the flags name, or returns nil when there is
// none; written, when set, sees every record written (for metrics).
func openAlertLog(c *cli.Context, written func(*rules.LogRecord)) (*rules.AlertLog, error) {
	name := c.String("log")
	if name == "" {
		return nil, nil
	}
	cd := c.Duration("cooldown")
	if cd <= 0 {
		return nil, withHint(fmt.Errorf("--cooldown must be positive, not %s", cd), "for example --cooldown 60s")
	}
	host, _ := os.Hostname()
	opts := rules.LogOptions{Host: host, Tool: "detector", Version: version, Cooldown: cd, Written: written}
	if logsink.IsSpec(name) {
		s, err := logsink.Open(name, logsink.Options{Host: host, Warn: warnf})
		if errors.Is(err, logsink.ErrNoJournal) {
			return nil, withHint(err, "log to syslog or a file instead: --log syslog or --log FILE")
		}
		if err != nil && name == "syslog" {
			return nil, withHint(err, "no syslog daemon listens on "+logsink.DefaultLocalSocket+": install rsyslog, or use --log journal or --log FILE")
		}
		if err != nil {
			return nil, withHint(err, "--log takes a file, -, journal, syslog, syslog:udp://HOST:PORT or syslog:tcp://HOST:PORT")
		}
		return rules.NewSinkLog(s, opts), nil
	}
	l, err := rules.OpenAlertLog(name, opts)
	if err != nil {
		return nil, withHint(err, "--log takes a regular file or -")
	}
	return l, nil
}
