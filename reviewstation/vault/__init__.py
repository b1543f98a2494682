"""The vault on disk: header and key slots, SQLCipher database, audit chain, integrity check."""
