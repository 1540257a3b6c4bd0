# txstore: rules added with the program.
