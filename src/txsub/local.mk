# txsub: rules added with the program.
