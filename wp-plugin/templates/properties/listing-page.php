<?php
/**
 * A listing on the public site. Only public columns reach this template.
 *
 * @var array   $listing  Public columns of the listing.
 * @var string  $address  The address the MLS allows us to show.
 * @var string  $price    The price as shown ($2,400/mo for a lease).
 * @var array[] $photos   Media rows in Order.
 * @var array   $facts    Label => value.
 * @var array[] $open     Upcoming open houses.
 * @var string  $form     The lead form's HTML (SENW_CRM_Lead_Form, escaped there).
 * @var string  $back_url The search.
 */

defined( 'ABSPATH' ) || exit;
?>
<article class="senw-listing alignwide" data-listing-key="<?php echo esc_attr( $listing['ListingKey'] ); ?>">
	<p><a href="<?php echo esc_url( $back_url ); ?>" class="senw-listing-back">&larr; <?php esc_html_e( 'All listings', 'senw-crm' ); ?></a></p>
	<h2 class="senw-listing-title"><?php echo esc_html( $address ); ?></h2>
	<p class="senw-listing-headline">
		<span class="senw-listing-price"><?php echo esc_html( $price ); ?></span>
		<span class="senw-listing-status senw-status-<?php echo esc_attr( sanitize_html_class( strtolower( (string) $listing['StandardStatus'] ) ) ); ?>"><?php echo esc_html( (string) $listing['StandardStatus'] ); ?></span>
	</p>
	<?php if ( $photos ) : ?>
		<?php $senw_count = count( $photos ); ?>
		<div class="senw-gallery" data-count="<?php echo esc_attr( (string) $senw_count ); ?>" aria-roledescription="<?php esc_attr_e( 'photo gallery', 'senw-crm' ); ?>" aria-label="<?php esc_attr_e( 'Photos', 'senw-crm' ); ?>">
			<div class="senw-gallery-track" tabindex="0">
				<?php foreach ( $photos as $senw_i => $senw_photo ) : ?>
					<figure class="senw-gallery-slide" data-index="<?php echo esc_attr( (string) $senw_i ); ?>">
						<img src="<?php echo esc_url( $senw_photo['MediaURL'] ); ?>" alt="<?php echo esc_attr( '' !== (string) $senw_photo['ShortDescription'] ? (string) $senw_photo['ShortDescription'] : sprintf( /* translators: 1: photo number, 2: photo count, 3: address */ __( 'Photo %1$d of %2$d, %3$s', 'senw-crm' ), $senw_i + 1, $senw_count, $address ) ); ?>" <?php echo 0 === $senw_i ? 'fetchpriority="high"' : 'loading="lazy"'; ?> width="800" height="600">
					</figure>
				<?php endforeach; ?>
			</div>
			<?php if ( $senw_count > 1 ) : ?>
				<button type="button" class="senw-gallery-prev" aria-label="<?php esc_attr_e( 'Previous photo', 'senw-crm' ); ?>">&#8249;</button>
				<button type="button" class="senw-gallery-next" aria-label="<?php esc_attr_e( 'Next photo', 'senw-crm' ); ?>">&#8250;</button>
			<?php endif; ?>
			<p class="senw-gallery-count" aria-live="polite">
				<?php
				/* translators: 1: current photo, 2: photo count */
				echo esc_html( sprintf( __( '%1$d / %2$d', 'senw-crm' ), 1, $senw_count ) );
				?>
			</p>
		</div>
	<?php endif; ?>
	<h3 class="senw-listing-section"><?php esc_html_e( 'Facts', 'senw-crm' ); ?></h3>
	<dl class="senw-listing-facts">
		<?php foreach ( $facts as $senw_label => $senw_value ) : ?>
			<dt><?php echo esc_html( $senw_label ); ?></dt>
			<dd><?php echo esc_html( (string) $senw_value ); ?></dd>
		<?php endforeach; ?>
	</dl>
	<?php if ( $listing['PublicRemarks'] ) : ?>
		<h3 class="senw-listing-section"><?php esc_html_e( 'Description', 'senw-crm' ); ?></h3>
		<div class="senw-listing-remarks"><?php echo wp_kses_post( wpautop( esc_html( $listing['PublicRemarks'] ) ) ); ?></div>
	<?php endif; ?>
	<?php if ( $listing['VirtualTourURLUnbranded'] ) : ?>
		<p><a href="<?php echo esc_url( $listing['VirtualTourURLUnbranded'] ); ?>" rel="nofollow noopener" target="_blank"><?php esc_html_e( 'Virtual tour', 'senw-crm' ); ?></a></p>
	<?php endif; ?>
	<?php if ( $open ) : ?>
		<h3><?php esc_html_e( 'Open houses', 'senw-crm' ); ?></h3>
		<ul class="senw-listing-open-houses">
			<?php foreach ( $open as $senw_oh ) : ?>
				<?php
				if ( 'Canceled' === $senw_oh['OpenHouseStatus'] ) {
					continue;
				}
				?>
				<li><?php echo esc_html( trim( SENW_CRM_Properties::local_time( $senw_oh['OpenHouseStartTime'] ) . ' – ' . SENW_CRM_Properties::local_time( $senw_oh['OpenHouseEndTime'], get_option( 'time_format' ) ), ' –' ) ); ?></li>
			<?php endforeach; ?>
		</ul>
	<?php endif; ?>
	<section class="senw-listing-inquiry">
		<?php echo $form; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- markup from SENW_CRM_Lead_Form, escaped where it is built. ?>
	</section>
</article>
