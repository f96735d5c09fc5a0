package main

import _ "github.com/tmc/langchaingo/vectorstores/pgvector"

func main() {}
