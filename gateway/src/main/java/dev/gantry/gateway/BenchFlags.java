package dev.gantry.gateway;

/**
 * The {@code --flag value} arguments of the bench commands ({@code bench}, {@code bench-ledger}).
 * {@code --help} prints the usage; a flag without a value, an unknown flag, a value that is not
 * a number or one the command refuses is named, with the usage, on stderr.
 */
final class BenchFlags {
    private BenchFlags() {}

    /** Takes one flag's value: false when the flag is unknown; may throw NumberFormatException or IllegalArgumentException. */
    @FunctionalInterface
    interface Setter {
        boolean set(String flag, String value);
    }

    /** The exit status when the command stops here (0 after --help, 2 after a mistake), or -1 when every flag was taken. */
    static int parse(String command, String usage, String[] args, Setter setter) {
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help")) {
                System.out.println(usage);
                return 0;
            }
            if (i + 1 >= args.length) return mistake(command, flag + " needs a value", usage);
            String value = args[++i];
            try {
                if (!setter.set(flag, value)) return mistake(command, "unknown argument '" + flag + "'", usage);
            } catch (NumberFormatException e) {
                return mistake(command, flag + " must be a number, got '" + value + "'", usage);
            } catch (IllegalArgumentException e) {
                return mistake(command, e.getMessage(), usage);
            }
        }
        return -1;
    }

    private static int mistake(String command, String what, String usage) {
        System.err.println(command + ": " + what + "\n" + usage);
        return 2;
    }
}
