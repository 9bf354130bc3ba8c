package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Tactic is a tactic of the MITRE ATT&CK Enterprise matrix (v15 to v18
// names; v19 splits Defense Evasion into Stealth and Defense Impairment).
type Tactic struct {
	ID    string `json:"id"`    // TA0002
	Short string `json:"short"` // execution: the name rules use
	Name  string `json:"name"`  // Execution
}

// Tactics are the Enterprise tactics in the matrix's order.
var Tactics = []Tactic{
	{"TA0043", "reconnaissance", "Reconnaissance"},
	{"TA0042", "resource-development", "Resource Development"},
	{"TA0001", "initial-access", "Initial Access"},
	{"TA0002", "execution", "Execution"},
	{"TA0003", "persistence", "Persistence"},
	{"TA0004", "privilege-escalation", "Privilege Escalation"},
	{"TA0005", "defense-evasion", "Defense Evasion"},
	{"TA0006", "credential-access", "Credential Access"},
	{"TA0007", "discovery", "Discovery"},
	{"TA0008", "lateral-movement", "Lateral Movement"},
	{"TA0009", "collection", "Collection"},
	{"TA0011", "command-and-control", "Command and Control"},
	{"TA0010", "exfiltration", "Exfiltration"},
	{"TA0040", "impact", "Impact"},
}

// tacticIndex maps a tactic's short name to its place in Tactics.
var tacticIndex = func() map[string]int {
	m := map[string]int{}
	for i, t := range Tactics {
		m[t.Short] = i
	}
	return m
}()

// TacticNames returns the short names of the tactics, in the matrix's order.
func TacticNames() []string {
	out := make([]string, len(Tactics))
	for i, t := range Tactics {
		out[i] = t.Short
	}
	return out
}

// technique is an ATT&CK technique or sub-technique: its name (a
// sub-technique's own part) and the tactics it belongs to.
type technique struct {
	name    string
	tactics string // short names, space-separated
}

// techniques is the part of ATT&CK Enterprise that applies to Linux hosts
// and that rules are likely to name. A rule may name a technique missing
// here; its tactics then come from the rule's tactics alone, and the
// default rules' test asks for the technique to be added.
var techniques = map[string]technique{
	// Initial access
	"T1078":     {"Valid Accounts", "defense-evasion persistence privilege-escalation initial-access"},
	"T1078.003": {"Local Accounts", "defense-evasion persistence privilege-escalation initial-access"},
	"T1133":     {"External Remote Services", "persistence initial-access"},
	"T1190":     {"Exploit Public-Facing Application", "initial-access"},
	"T1195":     {"Supply Chain Compromise", "initial-access"},
	"T1195.002": {"Compromise Software Supply Chain", "initial-access"},
	// Execution
	"T1059":     {"Command and Scripting Interpreter", "execution"},
	"T1059.004": {"Unix Shell", "execution"},
	"T1059.006": {"Python", "execution"},
	"T1059.007": {"JavaScript", "execution"},
	"T1106":     {"Native API", "execution"},
	"T1129":     {"Shared Modules", "execution"},
	"T1203":     {"Exploitation for Client Execution", "execution"},
	"T1204":     {"User Execution", "execution"},
	"T1204.002": {"Malicious File", "execution"},
	"T1609":     {"Container Administration Command", "execution"},
	"T1610":     {"Deploy Container", "defense-evasion execution"},
	"T1053":     {"Scheduled Task/Job", "execution persistence privilege-escalation"},
	"T1053.002": {"At", "execution persistence privilege-escalation"},
	"T1053.003": {"Cron", "execution persistence privilege-escalation"},
	"T1053.006": {"Systemd Timers", "execution persistence privilege-escalation"},
	// Persistence and privilege escalation
	"T1037":     {"Boot or Logon Initialization Scripts", "persistence privilege-escalation"},
	"T1037.004": {"RC Scripts", "persistence privilege-escalation"},
	"T1098":     {"Account Manipulation", "persistence privilege-escalation"},
	"T1098.004": {"SSH Authorized Keys", "persistence privilege-escalation"},
	"T1136":     {"Create Account", "persistence"},
	"T1136.001": {"Local Account", "persistence"},
	"T1505":     {"Server Software Component", "persistence"},
	"T1505.003": {"Web Shell", "persistence"},
	"T1543":     {"Create or Modify System Process", "persistence privilege-escalation"},
	"T1543.002": {"Systemd Service", "persistence privilege-escalation"},
	"T1546":     {"Event Triggered Execution", "privilege-escalation persistence"},
	"T1546.004": {"Unix Shell Configuration Modification", "privilege-escalation persistence"},
	"T1546.005": {"Trap", "privilege-escalation persistence"},
	"T1547":     {"Boot or Logon Autostart Execution", "persistence privilege-escalation"},
	"T1547.006": {"Kernel Modules and Extensions", "persistence privilege-escalation"},
	"T1547.013": {"XDG Autostart Entries", "persistence privilege-escalation"},
	"T1554":     {"Compromise Host Software Binary", "persistence"},
	"T1556":     {"Modify Authentication Process", "credential-access defense-evasion persistence"},
	"T1556.003": {"Pluggable Authentication Modules", "credential-access defense-evasion persistence"},
	"T1574":     {"Hijack Execution Flow", "persistence privilege-escalation defense-evasion"},
	"T1574.006": {"Dynamic Linker Hijacking", "persistence privilege-escalation defense-evasion"},
	"T1574.007": {"Path Interception by PATH Environment Variable", "persistence privilege-escalation defense-evasion"},
	"T1068":     {"Exploitation for Privilege Escalation", "privilege-escalation"},
	"T1548":     {"Abuse Elevation Control Mechanism", "privilege-escalation defense-evasion"},
	"T1548.001": {"Setuid and Setgid", "privilege-escalation defense-evasion"},
	"T1548.003": {"Sudo and Sudo Caching", "privilege-escalation defense-evasion"},
	"T1611":     {"Escape to Host", "privilege-escalation"},
	"T1055":     {"Process Injection", "defense-evasion privilege-escalation"},
	"T1055.008": {"Ptrace System Calls", "defense-evasion privilege-escalation"},
	"T1055.009": {"Proc Memory", "defense-evasion privilege-escalation"},
	// Defense evasion
	"T1014":     {"Rootkit", "defense-evasion"},
	"T1027":     {"Obfuscated Files or Information", "defense-evasion"},
	"T1027.002": {"Software Packing", "defense-evasion"},
	"T1027.004": {"Compile After Delivery", "defense-evasion"},
	"T1036":     {"Masquerading", "defense-evasion"},
	"T1036.003": {"Rename System Utilities", "defense-evasion"},
	"T1036.004": {"Masquerade Task or Service", "defense-evasion"},
	"T1036.005": {"Match Legitimate Name or Location", "defense-evasion"},
	"T1036.006": {"Space after Filename", "defense-evasion"},
	"T1070":     {"Indicator Removal", "defense-evasion"},
	"T1070.002": {"Clear Linux or Mac System Logs", "defense-evasion"},
	"T1070.003": {"Clear Command History", "defense-evasion"},
	"T1070.004": {"File Deletion", "defense-evasion"},
	"T1070.006": {"Timestomp", "defense-evasion"},
	"T1140":     {"Deobfuscate/Decode Files or Information", "defense-evasion"},
	"T1202":     {"Indirect Command Execution", "defense-evasion"},
	"T1205":     {"Traffic Signaling", "defense-evasion persistence command-and-control"},
	"T1205.002": {"Socket Filters", "defense-evasion persistence command-and-control"},
	"T1222":     {"File and Directory Permissions Modification", "defense-evasion"},
	"T1222.002": {"Linux and Mac File and Directory Permissions Modification", "defense-evasion"},
	"T1480":     {"Execution Guardrails", "defense-evasion"},
	"T1497":     {"Virtualization/Sandbox Evasion", "defense-evasion discovery"},
	"T1497.001": {"System Checks", "defense-evasion discovery"},
	"T1553":     {"Subvert Trust Controls", "defense-evasion"},
	"T1553.004": {"Install Root Certificate", "defense-evasion"},
	"T1562":     {"Impair Defenses", "defense-evasion"},
	"T1562.001": {"Disable or Modify Tools", "defense-evasion"},
	"T1562.003": {"Impair Command History Logging", "defense-evasion"},
	"T1562.004": {"Disable or Modify System Firewall", "defense-evasion"},
	"T1562.006": {"Indicator Blocking", "defense-evasion"},
	"T1562.012": {"Disable or Modify Linux Audit System", "defense-evasion"},
	"T1564":     {"Hide Artifacts", "defense-evasion"},
	"T1564.001": {"Hidden Files and Directories", "defense-evasion"},
	"T1620":     {"Reflective Code Loading", "defense-evasion"},
	"T1622":     {"Debugger Evasion", "defense-evasion discovery"},
	// Credential access
	"T1003":     {"OS Credential Dumping", "credential-access"},
	"T1003.007": {"Proc Filesystem", "credential-access"},
	"T1003.008": {"/etc/passwd and /etc/shadow", "credential-access"},
	"T1040":     {"Network Sniffing", "credential-access discovery"},
	"T1056":     {"Input Capture", "collection credential-access"},
	"T1056.001": {"Keylogging", "collection credential-access"},
	"T1110":     {"Brute Force", "credential-access"},
	"T1552":     {"Unsecured Credentials", "credential-access"},
	"T1552.001": {"Credentials In Files", "credential-access"},
	"T1539":     {"Steal Web Session Cookie", "credential-access"},
	"T1552.003": {"Bash History", "credential-access"},
	"T1552.004": {"Private Keys", "credential-access"},
	"T1552.005": {"Cloud Instance Metadata API", "credential-access"},
	"T1555":     {"Credentials from Password Stores", "credential-access"},
	"T1555.003": {"Credentials from Web Browsers", "credential-access"},
	"T1557":     {"Adversary-in-the-Middle", "credential-access collection"},
	// Discovery
	"T1007":     {"System Service Discovery", "discovery"},
	"T1016":     {"System Network Configuration Discovery", "discovery"},
	"T1018":     {"Remote System Discovery", "discovery"},
	"T1033":     {"System Owner/User Discovery", "discovery"},
	"T1046":     {"Network Service Discovery", "discovery"},
	"T1049":     {"System Network Connections Discovery", "discovery"},
	"T1057":     {"Process Discovery", "discovery"},
	"T1069":     {"Permission Groups Discovery", "discovery"},
	"T1069.001": {"Local Groups", "discovery"},
	"T1082":     {"System Information Discovery", "discovery"},
	"T1614":     {"System Location Discovery", "discovery"},
	"T1614.001": {"System Language Discovery", "discovery"},
	"T1083":     {"File and Directory Discovery", "discovery"},
	"T1087":     {"Account Discovery", "discovery"},
	"T1087.001": {"Local Account", "discovery"},
	"T1124":     {"System Time Discovery", "discovery"},
	"T1201":     {"Password Policy Discovery", "discovery"},
	"T1217":     {"Browser Information Discovery", "discovery"},
	"T1518":     {"Software Discovery", "discovery"},
	"T1518.001": {"Security Software Discovery", "discovery"},
	"T1613":     {"Container and Resource Discovery", "discovery"},
	// Lateral movement
	"T1021":     {"Remote Services", "lateral-movement"},
	"T1021.004": {"SSH", "lateral-movement"},
	"T1570":     {"Lateral Tool Transfer", "lateral-movement"},
	// Collection
	"T1005":     {"Data from Local System", "collection"},
	"T1074":     {"Data Staged", "collection"},
	"T1074.001": {"Local Data Staging", "collection"},
	"T1113":     {"Screen Capture", "collection"},
	"T1123":     {"Audio Capture", "collection"},
	"T1125":     {"Video Capture", "collection"},
	"T1115":     {"Clipboard Data", "collection"},
	"T1119":     {"Automated Collection", "collection"},
	"T1560":     {"Archive Collected Data", "collection"},
	"T1560.001": {"Archive via Utility", "collection"},
	// Command and control
	"T1071":     {"Application Layer Protocol", "command-and-control"},
	"T1071.001": {"Web Protocols", "command-and-control"},
	"T1071.004": {"DNS", "command-and-control"},
	"T1090":     {"Proxy", "command-and-control"},
	"T1090.001": {"Internal Proxy", "command-and-control"},
	"T1090.002": {"External Proxy", "command-and-control"},
	"T1095":     {"Non-Application Layer Protocol", "command-and-control"},
	"T1105":     {"Ingress Tool Transfer", "command-and-control"},
	"T1132":     {"Data Encoding", "command-and-control"},
	"T1132.001": {"Standard Encoding", "command-and-control"},
	"T1102":     {"Web Service", "command-and-control"},
	"T1219":     {"Remote Access Software", "command-and-control"},
	"T1568":     {"Dynamic Resolution", "command-and-control"},
	"T1571":     {"Non-Standard Port", "command-and-control"},
	"T1572":     {"Protocol Tunneling", "command-and-control"},
	"T1573":     {"Encrypted Channel", "command-and-control"},
	// Exfiltration
	"T1020":     {"Automated Exfiltration", "exfiltration"},
	"T1029":     {"Scheduled Transfer", "exfiltration"},
	"T1030":     {"Data Transfer Size Limits", "exfiltration"},
	"T1041":     {"Exfiltration Over C2 Channel", "exfiltration"},
	"T1048":     {"Exfiltration Over Alternative Protocol", "exfiltration"},
	"T1048.002": {"Exfiltration Over Asymmetric Encrypted Non-C2 Protocol", "exfiltration"},
	"T1048.003": {"Exfiltration Over Unencrypted Non-C2 Protocol", "exfiltration"},
	"T1567":     {"Exfiltration Over Web Service", "exfiltration"},
	"T1567.002": {"Exfiltration to Cloud Storage", "exfiltration"},
	// Impact
	"T1485":     {"Data Destruction", "impact"},
	"T1486":     {"Data Encrypted for Impact", "impact"},
	"T1489":     {"Service Stop", "impact"},
	"T1490":     {"Inhibit System Recovery", "impact"},
	"T1496":     {"Resource Hijacking", "impact"},
	"T1499":     {"Endpoint Denial of Service", "impact"},
	"T1529":     {"System Shutdown/Reboot", "impact"},
	"T1531":     {"Account Access Removal", "impact"},
	"T1561":     {"Disk Wipe", "impact"},
	"T1561.001": {"Disk Content Wipe", "impact"},
	"T1561.002": {"Disk Structure Wipe", "impact"},
	"T1491":     {"Defacement", "impact"},
	"T1491.001": {"Internal Defacement", "impact"},
	"T1569":     {"System Services", "execution"},
	"T1569.002": {"Service Execution", "execution"},
	"T1110.001": {"Password Guessing", "credential-access"},
	"T1110.003": {"Password Spraying", "credential-access"},
	"T1565":     {"Data Manipulation", "impact"},
	"T1565.001": {"Stored Data Manipulation", "impact"},
}

// TechniqueIDs returns the ids of the catalogue's techniques, sorted.
func TechniqueIDs() []string {
	out := make([]string, 0, len(techniques))
	for id := range techniques {
		out = append(out, id)
	}
	slices.SortFunc(out, compareTechnique)
	return out
}

// TechniqueName returns the ATT&CK name of a technique id, a
// sub-technique's with its technique's ("Command and Scripting
// Interpreter: Unix Shell"), and whether the catalogue knows the id.
func TechniqueName(id string) (string, bool) {
	t, ok := techniques[id]
	if !ok {
		return "", false
	}
	if parent, _, sub := strings.Cut(id, "."); sub {
		if p, ok := techniques[parent]; ok {
			return p.name + ": " + t.name, true
		}
	}
	return t.name, true
}

// TechniqueTactics returns the short names of the tactics a known
// technique belongs to, in the matrix's order; nil for an unknown id.
func TechniqueTactics(id string) []string {
	t, ok := techniques[id]
	if !ok {
		return nil
	}
	out := strings.Fields(t.tactics)
	slices.SortFunc(out, func(a, b string) int { return tacticIndex[a] - tacticIndex[b] })
	return out
}

// deriveTactics is the tactics of the techniques of tags, in the
// matrix's order: what a rule without a tactics key covers.
func deriveTactics(tags []string) []string {
	var out []string
	for _, id := range tags {
		for _, t := range TechniqueTactics(id) {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return tacticIndex[a] - tacticIndex[b] })
	return out
}

// TacticCoverage is one row of the ATT&CK coverage matrix: a tactic and
// the techniques the enabled rules claim for it.
type TacticCoverage struct {
	Tactic
	Techniques []TechniqueCoverage `json:"techniques"`
}

// TechniqueCoverage is a technique and the ids of the rules that claim it
// under a tactic.
type TechniqueCoverage struct {
	ID    string   `json:"id"`
	Name  string   `json:"name,omitempty"` // empty for an id the catalogue does not know
	Rules []string `json:"rules"`
}

// Coverage returns the tactic x technique matrix of the enabled rules:
// one row per Enterprise tactic, in the matrix's order (a row with no
// technique is a tactic no rule covers). A rule's technique counts under
// each of the rule's tactics the technique belongs to; a technique the
// catalogue does not know, under each of the rule's tactics. Techniques
// are sorted by id, rules by id.
func (s *Set) Coverage() []TacticCoverage {
	rows := make([]TacticCoverage, len(Tactics))
	byTech := make([]map[string][]string, len(Tactics))
	for i, t := range Tactics {
		rows[i].Tactic = t
		byTech[i] = map[string][]string{}
	}
	for _, r := range s.active {
		for _, id := range r.Tags {
			known := TechniqueTactics(id)
			for _, tac := range r.Tactics {
				i, ok := tacticIndex[tac]
				if !ok || known != nil && !slices.Contains(known, tac) {
					continue
				}
				if !slices.Contains(byTech[i][id], r.ID) {
					byTech[i][id] = append(byTech[i][id], r.ID)
				}
			}
		}
	}
	for i := range rows {
		rows[i].Techniques = []TechniqueCoverage{}
		for id, rs := range byTech[i] {
			name, _ := TechniqueName(id)
			slices.Sort(rs)
			rows[i].Techniques = append(rows[i].Techniques, TechniqueCoverage{ID: id, Name: name, Rules: rs})
		}
		slices.SortFunc(rows[i].Techniques, func(a, b TechniqueCoverage) int { return compareTechnique(a.ID, b.ID) })
	}
	return rows
}

// compareTechnique orders technique ids by number, a technique before its
// sub-techniques.
func compareTechnique(a, b string) int {
	pa, sa, _ := strings.Cut(a, ".")
	pb, sb, _ := strings.Cut(b, ".")
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	return strings.Compare(sa, sb)
}

// AttackProblems returns what is wrong with the ATT&CK data of the
// enabled rules, one sentence each, led by the rule's file and line: a
// rule without technique ids or tactics, a technique the catalogue does not
// know, a technique outside every one of the rule's tactics, a tactic none
// of the rule's techniques belongs to. The default rules have none
// (TestDefaultRulesAttack); `rules check` prints them as warnings.
func (s *Set) AttackProblems() []string {
	var out []string
	for _, r := range s.active {
		add := func(msg string) {
			out = append(out, fmt.Sprintf("%s:%d: rule %s%s", r.File, r.Line, r.ID, msg))
		}
		if len(r.Tags) == 0 {
			add(" has no ATT&CK technique ids (tags)")
		}
		if len(r.Tactics) == 0 {
			add(" has no tactic: give it tactics, or tags the catalogue knows")
		}
		for _, id := range r.Tags {
			known := TechniqueTactics(id)
			if known == nil {
				add(": technique " + id + " is not in the catalogue of ATT&CK techniques (a typo, or one the catalogue lacks: its tactics cannot be checked)")
				continue
			}
			if len(r.Tactics) > 0 && !slices.ContainsFunc(r.Tactics, func(t string) bool { return slices.Contains(known, t) }) {
				add(": technique " + id + " belongs to " + strings.Join(known, ", ") + ", none of the rule's tactics (" + strings.Join(r.Tactics, ", ") + ")")
			}
		}
		for _, tac := range r.Tactics {
			if !slices.ContainsFunc(r.Tags, func(id string) bool {
				k := TechniqueTactics(id)
				return k == nil || slices.Contains(k, tac)
			}) {
				add(": no technique of the rule belongs to its tactic " + tac)
			}
		}
	}
	return out
}
