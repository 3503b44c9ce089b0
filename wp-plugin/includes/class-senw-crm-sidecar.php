<?php
/**
 * Signed HTTP calls from the plugin to the sidecar. Every request carries
 * X-SENW-Timestamp, X-SENW-Nonce and X-SENW-Signature = hex HMAC-SHA256 over
 * "timestamp\nnonce\nMETHOD\npath\nquery\nbody" with the shared secret,
 * path and query exactly as sent (the sidecar matches all of them; see
 * sidecar/security.py).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Sidecar {

	const DISPATCH_PATH = '/internal/outbox/dispatch';

	/**
	 * Asks the sidecar to dispatch the outbox now. Fire and forget: failures
	 * are ignored because the scheduler's sweep moves pending rows anyway.
	 *
	 * @param int|null $outbox_id Row just written, if any.
	 */
	public static function kick_outbox( $outbox_id = null ) {
		$body = null === $outbox_id ? '' : wp_json_encode( array( 'outbox_id' => (int) $outbox_id ) );
		$url  = self::base_url();
		if ( '' === $url || '' === self::secret() ) {
			return;
		}
		self::fire_and_forget( $url, self::DISPATCH_PATH, $body );
	}

	/**
	 * Asks the sidecar to queue and dispatch a stored submission now (fire and
	 * forget: the reconciler queues any it missed within seconds).
	 */
	public static function kick_submission( $submission_id ) {
		$url = self::base_url();
		if ( '' === $url || '' === self::secret() ) {
			return;
		}
		self::fire_and_forget( $url, self::DISPATCH_PATH, wp_json_encode( array( 'submission_id' => (int) $submission_id ) ) );
	}

	/**
	 * Writes a signed POST to the sidecar and hangs up without reading the
	 * answer. WordPress's "non-blocking" wp_remote_post() still waits for the
	 * response (cURL's timeout is rounded up to 1 s), which halved the lead
	 * form's throughput; the sidecar handles a request whose client has left.
	 *
	 * @return bool Whether the request was written.
	 */
	private static function fire_and_forget( $url, $path, $body ) {
		$parts = wp_parse_url( $url );
		if ( empty( $parts['host'] ) ) {
			return false;
		}
		$https  = isset( $parts['scheme'] ) && 'https' === $parts['scheme'];
		$port   = isset( $parts['port'] ) ? (int) $parts['port'] : ( $https ? 443 : 80 );
		$prefix = isset( $parts['path'] ) ? rtrim( $parts['path'], '/' ) : '';
		$errno  = 0;
		$error  = '';
		$socket = @fsockopen( ( $https ? 'ssl://' : '' ) . $parts['host'], $port, $errno, $error, 0.25 ); // phpcs:ignore WordPress.PHP.NoSilencedErrors -- a sidecar that is down is expected; the sweep catches up.
		if ( ! $socket ) {
			return false;
		}
		stream_set_timeout( $socket, 0, 250000 );
		$request = 'POST ' . $prefix . $path . " HTTP/1.1\r\nHost: " . $parts['host'] . ':' . $port . "\r\nContent-Length: " . strlen( $body ) . "\r\nConnection: close\r\n";
		foreach ( self::headers( 'POST', $path, $body ) as $name => $value ) {
			$request .= $name . ': ' . $value . "\r\n";
		}
		$written = fwrite( $socket, $request . "\r\n" . $body ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- raw socket on purpose.
		fclose( $socket ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- raw socket on purpose.
		return false !== $written;
	}

	/**
	 * A blocking signed request.
	 *
	 * @param string $method HTTP method.
	 * @param string $path   Path on the sidecar, starting with /, with any query string.
	 * @param mixed  $body   Raw string, or an array to send as JSON.
	 * @param float  $timeout Seconds.
	 * @return array|WP_Error array( 'status' => int, 'body' => string, 'json' => mixed ).
	 */
	public static function signed_request( $method, $path, $body = '', $timeout = 5.0 ) {
		$method = strtoupper( $method );
		$raw    = is_array( $body ) ? wp_json_encode( $body ) : (string) $body;
		$url    = self::base_url();
		if ( '' === $url || '' === self::secret() ) {
			return new WP_Error( 'senw_crm_sidecar_unconfigured', __( 'The sidecar URL or shared secret is not configured.', 'senw-crm' ) );
		}
		$response = wp_remote_request(
			$url . $path,
			array(
				'method'  => $method,
				'timeout' => $timeout,
				'headers' => self::headers( $method, $path, $raw ),
				'body'    => '' === $raw ? null : $raw,
			)
		);
		if ( is_wp_error( $response ) ) {
			return $response;
		}
		$text = wp_remote_retrieve_body( $response );
		return array(
			'status' => (int) wp_remote_retrieve_response_code( $response ),
			'body'   => $text,
			'json'   => json_decode( $text, true ),
		);
	}

	/**
	 * The signature headers for one request (public so tests and other
	 * callers can check the scheme).
	 *
	 * @param string $method HTTP method.
	 * @param string $target Path on the sidecar with the query string it is
	 *                       sent with, e.g. /internal/x?since=5.
	 * @param string $body   Raw body.
	 */
	public static function headers( $method, $target, $body ) {
		$timestamp = (string) time();
		$nonce     = bin2hex( random_bytes( 16 ) );
		$parts     = explode( '?', (string) $target, 2 );
		$query     = isset( $parts[1] ) ? $parts[1] : '';
		$message   = $timestamp . "\n" . $nonce . "\n" . strtoupper( $method ) . "\n" . $parts[0] . "\n" . $query . "\n" . $body;
		return array(
			'Content-Type'     => 'application/json',
			'X-SENW-Timestamp' => $timestamp,
			'X-SENW-Nonce'     => $nonce,
			'X-SENW-Signature' => hash_hmac( 'sha256', $message, self::secret() ),
		);
	}

	private static function base_url() {
		return defined( 'SENW_CRM_SIDECAR_URL' ) ? rtrim( (string) SENW_CRM_SIDECAR_URL, '/' ) : '';
	}

	private static function secret() {
		return defined( 'SENW_CRM_SHARED_SECRET' ) ? (string) SENW_CRM_SHARED_SECRET : '';
	}
}
