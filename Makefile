# coopbot: `make test` runs the whole suite, provisioning a throwaway
# PostgreSQL with pgvector when TEST_DATABASE_URL is unset.
.PHONY: test build vet fmt

test:
	bash scripts/test.sh

build:
	go build ./...

vet:
	go vet ./...

fmt:
	gofmt -w .
