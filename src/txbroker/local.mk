# txbroker: rules added with the program.
