//! A mock Prometheus for tests: a loopback HTTP/1.1 server on a raw socket (so a
//! test can send what a real server would not: a reply cut off mid-body, a
//! stall), and a tiny series store that answers `query_range` as Prometheus
//! does, 11,000-point limit and label-sorted result included.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// One request as received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub form: HashMap<String, String>,
    pub authorization: Option<String>,
}

impl Request {
    pub fn number(&self, key: &str) -> f64 {
        self.form[key].parse().unwrap()
    }
}

pub type Handler = dyn Fn(&Request) -> Vec<u8> + Send + Sync;

/// A running mock; stops when dropped.
pub struct Mock {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Mock {
    pub fn start(handler: impl Fn(&Request) -> Vec<u8> + Send + Sync + 'static) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let (requests, stop) = (Arc::clone(&requests), Arc::clone(&stop));
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (requests, handler) = (Arc::clone(&requests), Arc::clone(&handler));
                    // One thread per connection: a stalled reply must not block
                    // the next test request.
                    thread::spawn(move || serve(stream, &requests, &*handler));
                }
            })
        };
        Mock {
            addr,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<Request>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // One request per connection: every reply says `Connection: close`.
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut length = 0usize;
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "authorization" => authorization = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut form = decode_form(query);
    form.extend(decode_form(&String::from_utf8_lossy(&body)));
    let request = Request {
        method,
        path: path.to_string(),
        form,
        authorization,
    };
    requests.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    if writer.write_all(&reply).is_ok() {
        let _ = writer.flush();
    }
}

fn decode_form(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((unescape(k)?, unescape(v)?))
        })
        .collect()
}

fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A whole HTTP reply.
pub fn reply(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub fn json(status: u16, body: &str) -> Vec<u8> {
    reply(status, "application/json", body)
}

/// A reply whose header promises more body than is sent.
pub fn cut_off(body: &str, keep: usize) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(&body.as_bytes()[..keep.min(body.len())]);
    r
}

pub fn prometheus_error(status: u16, kind: &str, message: &str) -> Vec<u8> {
    json(
        status,
        &format!(r#"{{"status":"error","errorType":"{kind}","error":"{message}"}}"#),
    )
}

/// A series of the store: its labels, and its value at a Unix time (`None`:
/// no sample; `f64::INFINITY` and `NAN` are written as Prometheus writes them).
pub struct Stored {
    pub labels: Vec<(String, String)>,
    pub value: Box<dyn Fn(i64) -> Option<f64> + Send + Sync>,
}

/// Series answered for any query, sampled at the requested grid.
pub struct Store {
    pub series: Vec<Stored>,
}

impl Store {
    /// The `query_range` reply for [start, end] every step, or Prometheus'
    /// resolution error past 11,000 points when `limit` holds.
    pub fn query_range(&self, start: f64, end: f64, step: f64, limit: bool) -> Vec<u8> {
        if limit && (end - start) / step > 11_000.0 {
            return prometheus_error(
                400,
                "bad_data",
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
            );
        }
        json(200, &self.matrix(start, end, step))
    }

    pub fn matrix(&self, start: f64, end: f64, step: f64) -> String {
        let sorted_labels = |s: &Stored| {
            let mut l = s.labels.clone();
            l.sort();
            l
        };
        let mut sorted: Vec<&Stored> = self.series.iter().collect();
        sorted.sort_by_key(|s| sorted_labels(s));
        let (start, end, step) = (ms(start), ms(end), ms(step));
        let mut items = Vec::new();
        for s in sorted {
            let mut values = Vec::new();
            let mut t = start;
            while t <= end {
                if let Some(v) = (s.value)(t / 1000) {
                    values.push(format!("[{},\"{}\"]", seconds(t), show(v)));
                }
                t += step;
            }
            if values.is_empty() {
                continue;
            }
            let metric: Vec<String> = sorted_labels(s)
                .iter()
                .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
                .collect();
            items.push(format!(
                "{{\"metric\":{{{}}},\"values\":[{}]}}",
                metric.join(","),
                values.join(",")
            ));
        }
        format!(
            "{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[{}]}}}}",
            items.join(",")
        )
    }
}

fn ms(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}

fn seconds(ms: i64) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}", ms as f64 / 1000.0)
    }
}

fn show(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

pub fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
