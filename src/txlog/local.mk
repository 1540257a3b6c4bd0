# txlog: rules added with the program.
