// schedcp console entry
