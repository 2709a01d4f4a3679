/// A self-signed certificate (CN=routeros-sim, valid 100 years) and its key for the TLS tests,
/// made once with `openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=routeros-sim`.
/// Test material only: it protects nothing.
enum SimulatorCertificate {
    static let certificatePEM = """
    -----BEGIN CERTIFICATE-----
    MIIDETCCAfmgAwIBAgIUIAXyTPCh7LsjCbexVqn1Jgd+rFowDQYJKoZIhvcNAQEL
    BQAwFzEVMBMGA1UEAwwMcm91dGVyb3Mtc2ltMCAXDTI2MTIwNDA3MTQ0OFoYDzIx
    MjYxMTEwMDcxNDQ4WjAXMRUwEwYDVQQDDAxyb3V0ZXJvcy1zaW0wggEiMA0GCSqG
    SIb3DQEBAQUAA4IBDwAwggEKAoIBAQDSlueMAJZFuzK9RqG9w/GDVkWY2YfboK7F
    p4b7FSQLcQbEn1zZFo98Otj/iTVY6fV9zF8DdfVfsfbya2hNMtwOUASUb7eXI+th
    k1VhADZUd+gBlYvDfOx+6owrE3ue79K5vhQ4pPNz9wMBkeXWm4Rc/L18YhqsJHpO
    zX9359YErQW4zXi51dyAmIlwbQfATkcoUpgFkcr5kQYtzxZwQCqnfS/9MqVTEiBl
    FLFd8pf/Bxmnm02/M6Z8VL75C/cy/OTJhGkcl7Jnn9bqCzXVfF1trFa97y/iM+ly
    UDzxGw8R8iDY6PG4PzFCerpNYmwE8nSkji+lCTsXQK1R7ftvIBmlAgMBAAGjUzBR
    MB0GA1UdDgQWBBSUyg9IvZjpmBD+ckY41DfZVlk3AzAfBgNVHSMEGDAWgBSUyg9I
    vZjpmBD+ckY41DfZVlk3AzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUA
    A4IBAQCYH+uzhemXi5k7J2Fr1moGqY3EZbxLYUl5xPNe68rzLRp6EfIGG6xr2qpr
    3kS+338RiBwUhAfWIQaKFEYIpucZMDdwfCcxKOO2IfjYpyokAgFibZC0ki8QkJj7
    RogocgrGev4EKQjhG2fNon8ipHDh8ga7JqLbZvWB024NvSMBBmjcI8V8R7thxMU3
    xRgVvrkztQkDjDD1f6/gOzpy+S1XVKhL/WmnVrPNWg5CFUC+UAlxrHMSqYdJyYL2
    RNtikFuQhbhSX/hGFcrVRGRkT6jK49UvtS9Wut6TbTVN+6phFhobZQh7ZUkbM+TC
    nbE+X7bQA985oi4fKWfNFJusREQP
    -----END CERTIFICATE-----
    """

    static let privateKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDSlueMAJZFuzK9
    RqG9w/GDVkWY2YfboK7Fp4b7FSQLcQbEn1zZFo98Otj/iTVY6fV9zF8DdfVfsfby
    a2hNMtwOUASUb7eXI+thk1VhADZUd+gBlYvDfOx+6owrE3ue79K5vhQ4pPNz9wMB
    keXWm4Rc/L18YhqsJHpOzX9359YErQW4zXi51dyAmIlwbQfATkcoUpgFkcr5kQYt
    zxZwQCqnfS/9MqVTEiBlFLFd8pf/Bxmnm02/M6Z8VL75C/cy/OTJhGkcl7Jnn9bq
    CzXVfF1trFa97y/iM+lyUDzxGw8R8iDY6PG4PzFCerpNYmwE8nSkji+lCTsXQK1R
    7ftvIBmlAgMBAAECggEAIVMBbaFrJjo3D4Ylkpy282hbx5IGwm3FMmBuBv4Dr+7R
    Ghy4yd6c0pUSYS+SelE9iIxmbasFKwFDuX1fKjY15erqKp4aIIft18lDjb/FmSzH
    UTbbwNHcL8JIb4mb+pzrTPrEAumxX8SzHFS82O7PrZJOHuh8XYjBNQamWPBeKOt5
    ydCYTqrdM4iKIOXa+/5wXyPOYo/WWyHTETABhI3rDqsyTJW5azZ60fopUgGutDkL
    bY3Py5bvWefLZDh9PrVugm0npyK0GDRP7D0uvjYOfP+0VCK6q+SR/tig0QoTzxnH
    rGrnDNPL9QJCUfeXyDmpv4OwWo6/pHJIcoMqqSRpGQKBgQDymX3HB8aXZz/NJoAM
    QccnlkHKvD10AgUiDBxdACWiZlWZD4svbPBiYkVq0ZsD4PpWLpDjEPCEJi1THoEN
    Zz0kFXmBKLouT7Ieko6/s+uaylvCyZ80EfzbIUoUrfsIdT/6MXMXUrB8apGugoer
    2DyyAnc4+SpYlge/X+4ZA8BrrQKBgQDeOMU4vu9JrjokDyB75vV0lUbEuVy1u5OQ
    LaTPNVr5sQBdvsVcJFPje8vq0kx9anYzdY3hIIXFsTTcbBZT56N1ZLhW7zv5EJGT
    IMzwx7x44NyQR77kHnwQqE52E7Ijk0hZ7pTjjiYz0hkP7xG63aCcuz69fsmYaigB
    JiMhTXKk2QKBgDOM1iNCzbpCYFZRhggUuiL5VMWltlE+VKTleelxLI4TvMCnguXy
    +imNxD5sh8oNNmS1xGfbo6ARFLSC2N1mQKG4Rndhlh5dJPZGIjsuGjRsJ49+lGvW
    HqrZqgo25g7oC044z8H2+jWV15sDdZzYeB1DVN4wZAUq7D6IPenm2C6JAoGBAM8S
    XY0ENpwU8u6Y/e8XB1CMrXYxOBfMY7PtJG9FS7HyYuH4G5ZB773BpQH61vXjF6PZ
    /cxzbtQJzbU8Lw4egm2o3jF8Ggl7i/tqjC4uIQ0Ok9kKUfHmCjvHad2TeuK1oqzS
    qgDle+m79EipwH69eKWzwcH4fEg/W2m+rOuibJr5AoGARbwSvQzPJXDVPc3cIyyn
    2JNV4IsHeKLthBfUfI7RtkhyKE8D53KdGX2uqprZ4i75/I7xv6QtYYCyVWAJzcVu
    j1sz119/ErHNtsTYSUMJ88Z+MEtOQ0w9StHCO2/jtQJ4gFSk6F+O6sn6hh88joiK
    UKQ8RVptLK1yFOCS30nPSfg=
    -----END PRIVATE KEY-----
    """
}
