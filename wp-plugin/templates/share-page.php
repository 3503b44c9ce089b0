<?php
/**
 * The public page of a shared link: one listing card at a time, phone first.
 * Variables: $cards, $agent, $brokerage, $endpoint, $script, $style.
 * No account, no cookies: the link's token (in the URL) is the credential.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?><!DOCTYPE html>
<html <?php language_attributes(); ?>>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title><?php echo esc_html( sprintf( /* translators: %s: agent */ __( 'Listings picked for you by %s', 'senw-crm' ), '' !== $agent ? $agent : $brokerage ) ); ?></title>
<link rel="stylesheet" href="<?php echo esc_url( $style ); ?>">
</head>
<body class="senw-share">
<header class="senw-share-head">
	<h1><?php echo esc_html( sprintf( /* translators: %s: agent */ __( 'Picked for you by %s', 'senw-crm' ), '' !== $agent ? $agent : $brokerage ) ); ?></h1>
	<p class="senw-share-progress" aria-live="polite"></p>
</header>
<main id="senw-share-app" data-endpoint="<?php echo esc_url( $endpoint ); ?>">
	<?php if ( ! $cards ) : ?>
		<p><?php esc_html_e( 'These listings are no longer available. Your agent will send you new ones.', 'senw-crm' ); ?></p>
	<?php endif; ?>
	<?php foreach ( $cards as $senw_i => $senw_c ) : ?>
		<article class="senw-card" data-listing="<?php echo esc_attr( $senw_c['key'] ); ?>" data-pref="<?php echo esc_attr( (string) $senw_c['pref'] ); ?>"<?php echo $senw_i ? ' hidden' : ''; ?> aria-label="<?php echo esc_attr( $senw_c['address'] ); ?>">
			<div class="senw-photos">
				<?php foreach ( $senw_c['photos'] as $senw_p => $senw_url ) : ?>
					<img src="<?php echo esc_url( $senw_url ); ?>" alt="<?php echo esc_attr( sprintf( /* translators: 1: n, 2: address */ __( 'Photo %1$d of %2$s', 'senw-crm' ), $senw_p + 1, $senw_c['address'] ) ); ?>"<?php echo $senw_p ? ' hidden loading="lazy"' : ''; ?>>
				<?php endforeach; ?>
				<?php if ( count( $senw_c['photos'] ) > 1 ) : ?>
					<button type="button" class="senw-photo-prev" aria-label="<?php esc_attr_e( 'Previous photo', 'senw-crm' ); ?>">‹</button>
					<button type="button" class="senw-photo-next" aria-label="<?php esc_attr_e( 'Next photo', 'senw-crm' ); ?>">›</button>
				<?php endif; ?>
			</div>
			<div class="senw-card-body">
				<p class="senw-price"><?php echo esc_html( $senw_c['price'] ); ?></p>
				<h2 class="senw-address"><?php echo esc_html( $senw_c['address'] ); ?></h2>
				<p class="senw-keyfacts"><?php echo esc_html( implode( ' · ', array_filter( array( isset( $senw_c['facts']['Bedrooms'] ) ? $senw_c['facts']['Bedrooms'] . ' bd' : '', isset( $senw_c['facts']['Bathrooms'] ) ? $senw_c['facts']['Bathrooms'] . ' ba' : '', isset( $senw_c['facts']['Living area (sq ft)'] ) ? $senw_c['facts']['Living area (sq ft)'] . ' sq ft' : '' ) ) ) ); ?></p>
				<div class="senw-details" hidden>
					<dl><?php foreach ( $senw_c['facts'] as $senw_k => $senw_v ) : ?><dt><?php echo esc_html( $senw_k ); ?></dt><dd><?php echo esc_html( (string) $senw_v ); ?></dd><?php endforeach; ?></dl>
					<?php if ( '' !== $senw_c['remarks'] ) : ?><p><?php echo esc_html( $senw_c['remarks'] ); ?></p><?php endif; ?>
				</div>
				<p class="senw-chosen" aria-live="polite"></p>
			</div>
			<div class="senw-actions">
				<button type="button" class="senw-dislike" data-event="Discard"><?php esc_html_e( 'Not for me', 'senw-crm' ); ?></button>
				<button type="button" class="senw-maybe" data-event="Maybe"><?php esc_html_e( 'Considering', 'senw-crm' ); ?></button>
				<button type="button" class="senw-like" data-event="Favorited"><?php esc_html_e( 'Like', 'senw-crm' ); ?></button>
				<button type="button" class="senw-open-details"><?php esc_html_e( 'Details', 'senw-crm' ); ?></button>
				<button type="button" class="senw-book"><?php esc_html_e( 'Book a showing', 'senw-crm' ); ?></button>
			</div>
			<form class="senw-book-form" hidden>
				<label><?php esc_html_e( 'When would you like to see it?', 'senw-crm' ); ?><br><input type="datetime-local" name="when" required></label>
				<label><?php esc_html_e( 'Anything we should know? (optional)', 'senw-crm' ); ?><br><input type="text" name="note" maxlength="300"></label>
				<button type="submit" class="senw-book-send"><?php esc_html_e( 'Ask for this showing', 'senw-crm' ); ?></button>
				<p class="senw-book-error" role="alert"></p>
			</form>
		</article>
	<?php endforeach; ?>
	<?php if ( $cards ) : ?>
		<nav class="senw-nav"><button type="button" class="senw-prev"><?php esc_html_e( 'Previous', 'senw-crm' ); ?></button><button type="button" class="senw-next"><?php esc_html_e( 'Next', 'senw-crm' ); ?></button></nav>
		<p class="senw-hint"><?php esc_html_e( 'Swipe right to like, left to pass.', 'senw-crm' ); ?></p>
	<?php endif; ?>
</main>
<footer class="senw-share-footer"><p><small><?php esc_html_e( 'This page lets your agent see which homes you like; this device is remembered so your later visits to our listings count too.', 'senw-crm' ); ?> <a class="senw-forget-link" href="<?php echo esc_url( SENW_CRM_Visitor::forget_url() ); ?>" rel="nofollow"><?php esc_html_e( 'Forget me on this device', 'senw-crm' ); ?></a></small></p></footer>
<script src="<?php echo esc_url( $script ); ?>"></script>
</body>
</html>
