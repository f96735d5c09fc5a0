package llm

import (
	"strings"
	"testing"
)

// BenchmarkVerify measures verifying a typical six-sentence reply.
func BenchmarkVerify(b *testing.B) {
	reply := strings.Repeat("Britain and Japan agreed to study a joint missile [2][9]. The RAF may send Typhoons [1, 3]. ", 3)
	b.ReportAllocs()
	for b.Loop() {
		Verify(reply, 5)
	}
}

// BenchmarkSaysNotAnswered measures the abstention check on a long reply.
func BenchmarkSaysNotAnswered(b *testing.B) {
	reply := strings.Repeat("The sources say the ministers met in Tokyo and agreed a study of the JNAAM missile ", 10) + "[1]."
	for b.Loop() {
		SaysNotAnswered(reply)
	}
}
