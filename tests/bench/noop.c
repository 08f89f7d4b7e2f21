/* The floor for spawn times: a static program that does nothing. */
int main(void) { return 0; }
