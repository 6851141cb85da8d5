//! Resource quantities (`100m`, `2`, `64Mi`, `1.5Gi`) as numbers the tables can add and compare.

/// CPU in millicores: `250m` → 250, `2` → 2000, `1500000n` → 2 (rounded up).
pub fn cpu_millis(q: &str) -> Option<u64> {
    let q = q.trim();
    if let Some(n) = q.strip_suffix('n') {
        return n
            .parse::<f64>()
            .ok()
            .map(|v| (v / 1_000_000.0).ceil() as u64);
    }
    if let Some(u) = q.strip_suffix('u') {
        return u.parse::<f64>().ok().map(|v| (v / 1_000.0).ceil() as u64);
    }
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<f64>().ok().map(|v| v.ceil() as u64);
    }
    q.parse::<f64>().ok().map(|v| (v * 1000.0).round() as u64)
}

/// Memory in bytes: `64Mi`, `1Gi`, `500M`, `3977496Ki`, `1e9`, plain bytes.
pub fn bytes(q: &str) -> Option<u64> {
    let q = q.trim();
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    for (s, mult) in SUFFIXES {
        if let Some(n) = q.strip_suffix(s) {
            return n.parse::<f64>().ok().map(|v| (v * mult) as u64);
        }
    }
    q.parse::<f64>().ok().map(|v| v as u64)
}

/// `1.2Gi`, `340Mi`, `12Ki` for a byte count, as k9s shows memory.
pub fn format_bytes(b: u64) -> String {
    const MI: u64 = 1024 * 1024;
    if b >= 1024 * MI {
        format!("{:.1}Gi", b as f64 / (1024 * MI) as f64)
    } else if b >= MI {
        format!("{}Mi", b / MI)
    } else {
        format!("{}Ki", b / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities_become_millicores() {
        assert_eq!(cpu_millis("250m"), Some(250));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("0.5"), Some(500));
        assert_eq!(cpu_millis("56000000n"), Some(56));
        assert_eq!(cpu_millis("x"), None);
    }

    #[test]
    fn memory_quantities_become_bytes() {
        assert_eq!(bytes("64Mi"), Some(64 * 1024 * 1024));
        assert_eq!(bytes("3977496Ki"), Some(3977496 * 1024));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(format_bytes(1536 * 1024 * 1024), "1.5Gi");
        assert_eq!(format_bytes(64 * 1024 * 1024), "64Mi");
    }
}
