# txbal: rules added with the program.
