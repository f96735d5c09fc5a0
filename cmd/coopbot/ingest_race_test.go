//go:build race

package main

// raceBuild: the race detector slows sentence splitting about twentyfold,
// so the in-process hostile-folder test uses a smaller huge file; the
// 6 MB file goes through the (uninstrumented) binary in TestIngestBinary.
const raceBuild = true
