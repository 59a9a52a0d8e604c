"""The CSAF 2.0 trusted provider: approval and publication, provider-metadata, ROLIE,
hashes and signatures."""
