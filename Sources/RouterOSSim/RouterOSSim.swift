import RouterOS

/// A simulated RouterOS router (built in issue 13).
public enum RouterOSSimPlaceholder {}
