fn main() {
    let o = lotstation::ident::DecodeOptions::default();
    let input: &[u8] = if std::env::args().nth(1).as_deref() == Some("dl") {
        b"]Q1https://id.example.com/01/09506000134352/10/ABC123/21/S0001?17=261231"
    } else {
        b"]d20109506000134352172612311125010110LOT-2024-0847\x1d3103001250\x1d21SN0000123456"
    };
    let mut n = 0;
    for _ in 0..200_000 {
        if lotstation::ident::decode(std::hint::black_box(input), &o).is_ok() {
            n += 1;
        }
    }
    assert_eq!(n, 200_000);
}
