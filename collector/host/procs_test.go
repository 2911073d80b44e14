package host

import (
	"os"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/model"
)

// testdata/limits is /proc/self/limits recorded on a build machine.
func TestParseLimitsOpenFilesRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/limits")
	if err != nil {
		t.Fatal(err)
	}
	n, err := parseLimitsOpenFiles(string(b))
	if err != nil || n != 20000 {
		t.Fatalf("got %d %v, want 20000", n, err)
	}
}

func TestParseLimitsOpenFiles(t *testing.T) {
	head := "Limit                     Soft Limit           Hard Limit           Units     \n"
	cases := []struct {
		text    string
		want    int
		wantErr bool
	}{
		{head + "Max open files            1024                 524288               files     \n", 1024, false},
		{head + "Max open files            unlimited            unlimited            files     \n", 0, false},
		{head + "Max processes             96364                96364                processes \n", 0, true},
		{head + "Max open files            lots                 1                    files     \n", 0, true},
		{head + "Max open files\n", 0, true},
		{"", 0, true},
	}
	for i, c := range cases {
		got, err := parseLimitsOpenFiles(c.text)
		if got != c.want || (err != nil) != c.wantErr {
			t.Errorf("case %d: got %d, %v", i, got, err)
		}
	}
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and a ')' in it, as a process may choose.
	line := "4242 (nginx: a) b) S 812 4242 4242 0 -1 4194624 1939 0 0 0 150 25 0 0 20 0 1 0 987654 116117504 3178 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
	st, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if string(st.name) != "nginx: a) b" || st.ppid != 812 || st.ticks != 175 || st.start != 987654 || st.rssPages != 3178 {
		t.Fatalf("parsed %+v", st)
	}
	for _, bad := range []string{"", "12 nginx S 1", "12 (nginx) S 1 2 3"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAssignRoles(t *testing.T) {
	found := []procEntry{
		{pid: 30, ppid: 10, name: "nginx"},
		{pid: 10, ppid: 1, name: "nginx"},
		{pid: 20, ppid: 10, name: "nginx"},
		{pid: 5, ppid: 1, name: "haproxy"},
		{pid: 40, ppid: 30, name: "envoy"}, // child of a watched process of another name
	}
	assignRoles(found)
	var got []string
	for _, p := range found {
		got = append(got, p.name+":"+p.role[:1])
	}
	want := "haproxy:m nginx:m nginx:w nginx:w envoy:m"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if found[2].pid != 20 || found[3].pid != 30 {
		t.Fatalf("workers should follow their master by pid: %+v", found)
	}
	if model.RoleMaster[:1] != "m" || model.RoleWorker[:1] != "w" {
		t.Fatal("role names changed; fix this test's shorthand")
	}
}
