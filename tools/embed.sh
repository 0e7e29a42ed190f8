#!/bin/sh
# Turn standard input into a C string constant named $1, for embedding
# sql/schema.sql in mailuser-admin.
name=$1
printf 'static const char %s[] __attribute__((unused)) =\n' "$name"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/'
printf '\t;\n'
