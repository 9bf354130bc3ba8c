package evaluate

import "testing"

func TestFamily(t *testing.T) {
	for _, tc := range []struct{ root, path, want string }{
		// ADFA-LD layout: one folder per attack run.
		{"Attack_Data_Master", "Attack_Data_Master/Hydra_FTP_3/UTD-1.txt", "Hydra_FTP"},
		{"Attack_Data_Master", "Attack_Data_Master/Adduser_10/UAD-Adduser-10-2783-1.txt", "Adduser"},
		{"Attack_Data_Master", "Attack_Data_Master/Java_Meterpreter_1/UAD-Java-Meterpreter-1-1.txt", "Java_Meterpreter"},
		{"Attack_Data_Master/", "Attack_Data_Master/Web_Shell_7/a/b.txt", "Web_Shell"},
		{"data/Attack_Data_Master", "data/Attack_Data_Master/Meterpreter_1/x.txt", "Meterpreter"},
		{"./adfa/Attack_Data_Master", "adfa/Attack_Data_Master/Hydra_SSH_2/x", "Hydra_SSH"},
		// A folder without a run number keeps its name.
		{"attacks", "attacks/exfil/1.trace", "exfil"},
		{"attacks", "attacks/exfil_v2/1.trace", "exfil_v2"},
		// Only one suffix is removed.
		{"attacks", "attacks/scan_1_2/x", "scan_1"},
		// A file directly in root: extension, then run number.
		{"attacks", "attacks/webshell_2.txt", "webshell"},
		{"attacks", "attacks/webshell.strace.txt", "webshell.strace"},
		{"attacks", "attacks/webshell", "webshell"},
		// root is the sample itself.
		{"caps/reverse_shell_4.trace", "caps/reverse_shell_4.trace", "reverse_shell"},
		// path outside root: its base name.
		{"attacks", "elsewhere/portscan_3.txt", "portscan"},
		// Nothing left to remove.
		{"attacks", "attacks/_3/x", "_3"},
		{"attacks", "attacks/.trace", ".trace"},
		{"attacks", "attacks/x_/y", "x_"},
		{"", "", ""},
		{"0", "/", ""},
		{"a", "a/..", ""},
		{"attacks", "attacks", "attacks"},
	} {
		if got := Family(tc.root, tc.path); got != tc.want {
			t.Errorf("Family(%q, %q) = %q, want %q", tc.root, tc.path, got, tc.want)
		}
	}
}
