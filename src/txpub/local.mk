# txpub: rules added with the program.
