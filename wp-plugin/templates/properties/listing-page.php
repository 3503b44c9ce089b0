<?php
/**
 * A listing on the public site. Only public columns reach this template.
 *
 * @var array   $listing  Public columns of the listing.
 * @var string  $address  The address the MLS allows us to show.
 * @var array[] $photos   Media rows in Order.
 * @var array   $facts    Label => value.
 * @var array[] $open     Upcoming open houses.
 * @var string  $form     The lead form's HTML (SENW_CRM_Lead_Form, escaped there).
 * @var string  $back_url The search.
 */

defined( 'ABSPATH' ) || exit;
?>
<article class="senw-listing" data-listing-key="<?php echo esc_attr( $listing['ListingKey'] ); ?>">
	<p><a href="<?php echo esc_url( $back_url ); ?>" class="senw-listing-back">&larr; <?php esc_html_e( 'All listings', 'senw-crm' ); ?></a></p>
	<h2 class="senw-listing-title"><?php echo esc_html( $address ); ?></h2>
	<p class="senw-listing-headline">
		<span class="senw-listing-price"><?php echo esc_html( null === $listing['ListPrice'] ? '' : '$' . number_format_i18n( (float) $listing['ListPrice'] ) ); ?></span>
		<span class="senw-listing-status"><?php echo esc_html( (string) $listing['StandardStatus'] ); ?></span>
	</p>
	<div class="senw-listing-photos">
		<?php foreach ( $photos as $senw_photo ) : ?>
			<img src="<?php echo esc_url( $senw_photo['MediaURL'] ); ?>" alt="<?php echo esc_attr( (string) $senw_photo['ShortDescription'] ); ?>" loading="lazy">
		<?php endforeach; ?>
	</div>
	<dl class="senw-listing-facts">
		<?php foreach ( $facts as $senw_label => $senw_value ) : ?>
			<dt><?php echo esc_html( $senw_label ); ?></dt>
			<dd><?php echo esc_html( (string) $senw_value ); ?></dd>
		<?php endforeach; ?>
	</dl>
	<?php if ( $listing['PublicRemarks'] ) : ?>
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
