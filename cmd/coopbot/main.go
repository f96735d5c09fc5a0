// Command coopbot answers questions about UK–Japan defence cooperation from
// a corpus of news reports, always citing the paragraphs it used.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand. Each lives in its own file and registers
// itself from an init function.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

// commands is the registry of subcommands, filled by init functions.
var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// Run runs coopbot with the given arguments and environment and returns the
// process exit code. Errors are printed as one line on stderr.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "coopbot: unknown command %q (run coopbot help)\n", args[0])
		return 2
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		printError(stderr, err)
		return 2
	}
	m := NewMain(cfg, stdout, stderr)
	err = cmd.run(ctx, m, args[1:])
	if cerr := m.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		if code, ok := exitCode(err); ok {
			return code
		}
		printError(stderr, err)
		if errors.As(err, new(usageError)) {
			return 2
		}
		return 1
	}
	return 0
}

// exitError carries an exit status for an error already reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) (int, bool) {
	if e, ok := err.(exitError); ok {
		return e.code, true
	}
	return 0, false
}

// usageError is a bad command line: one line naming the command, with a
// hint, and exit status 2.
type usageError struct{ cmd, msg string }

func (e usageError) Error() string {
	return fmt.Sprintf("%s: %s (run coopbot %s -h for help)", e.cmd, e.msg, e.cmd)
}

// parseFlags parses args into fs, a flag set named after its subcommand,
// so that every subcommand treats its command line alike: -h prints
// fs.Usage on stderr and exits 0; a bad flag is a usageError, not the
// flag package's error followed by the whole usage.
func parseFlags(m *Main, fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(m.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return exitError{0}
	case err != nil:
		return usageError{fs.Name(), err.Error()}
	}
	return nil
}

// printError writes err as one plain line: no stack trace, no newlines.
func printError(w io.Writer, err error) {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	fmt.Fprintf(w, "coopbot: %s\n", msg)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "coopbot answers questions about UK–Japan defence cooperation from news reports, with citations.")
	fmt.Fprintln(w, "\nUsage: coopbot <command> [flags] [arguments]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nWithout DATABASE_URL, coopbot uses an in-process store over the bundled corpus.")
	fmt.Fprintln(w, "Run coopbot <command> -h for a command's flags.")
}
