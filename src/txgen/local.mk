# txgen: rules added with the program.
